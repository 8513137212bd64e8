import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedDatabase, useTestEnvironment, type TempDatabase } from "@/test/temp-database";

// A git server that never answers holds a lookup for half a minute: one person may not pile
// such lookups up.

let database: TempDatabase;
let request: typeof import("./request");
const sockets: Socket[] = [];
const silent = createServer((socket) => void sockets.push(socket));

beforeAll(async () => {
  database = await createMigratedDatabase();
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  useTestEnvironment(database.url);
  process.env.KILN_ALLOWED_HOSTS = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  request = await import("./request");
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  silent.close();
  const db = await import("@/lib/db");
  await db.disconnectAll?.();
  await database?.drop();
});

describe("requestBuild", () => {
  it("lets one person have two lookups under way at once, and answers a third at once with a 429", async () => {
    const port = (silent.address() as { port: number }).port;
    const user = { name: "impatient", isAdmin: false, isModerator: false, groups: [] };
    const ask = (n: number) => request.requestBuild(user, { repository: `git://127.0.0.1:${port}/slow-${n}.git`, ref: "", path: "" });
    const first = ask(1).catch((error: unknown) => error);
    const second = ask(2).catch((error: unknown) => error);
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2);
    await expect(ask(3)).rejects.toMatchObject({ status: 429, code: "too_many_lookups" });
    // Someone else is not held up by it.
    const other = request.requestBuild({ ...user, name: "patient" }, { repository: `git://127.0.0.1:${port}/other.git`, ref: "", path: "" }).catch((e: unknown) => e);
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(3);
    for (const socket of sockets) socket.destroy();
    for (const outcome of await Promise.all([first, second, other])) expect(outcome).toMatchObject({ status: 400 });
  });
});
