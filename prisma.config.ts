import { defineConfig } from "prisma/config";

// Only the CLI reads this; the app connects through lib/db.ts with the pg adapter.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://kiln:kiln@127.0.0.1:5432/kiln" },
});
