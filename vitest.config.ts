import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "test/server-only.ts"),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    // Set-up and clean-up talk to the engine, which slows down as it holds more images (a
    // long-lived machine's Podman took over 10 s to remove a handful).
    hookTimeout: 120_000,
  },
});
