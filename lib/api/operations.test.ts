import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi";
import { operations, tokenNeedsWrite, type Operation } from "./operations";

const appDir = path.resolve(import.meta.dirname, "../../app");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/, with the path it serves, OpenAPI style, as a pattern. */
function routeFiles(): { file: string; pattern: RegExp }[] {
  return (readdirSync(appDir, { recursive: true }) as string[])
    .filter((file) => path.basename(file) === "route.ts" && !file.includes("[...nextauth]"))
    .map((file) => {
      const segments = path
        .dirname(file)
        .split(path.sep)
        .filter((segment) => !/^\(.*\)$/.test(segment)); // route groups are not in the URL
      const pattern = segments
        .map((segment) => {
          if (/^\[\.\.\.\w+\]$/.test(segment)) return ".+"; // a catch-all: any number of segments
          const param = /^\[(\w+)\]$/.exec(segment);
          return param ? `\\{${param[1]}\\}` : segment.replace(/[.]/g, "\\.");
        })
        .join("/");
      return { file, pattern: new RegExp(`^/${pattern}$`) };
    });
}

describe("the API's operations", () => {
  it("are each served by exactly one route file, with the method and path the document gives", async () => {
    const served = new Map<Operation, string>();
    for (const { file, pattern } of routeFiles()) {
      const module = (await import(path.join(appDir, file))) as Record<string, { operation?: Operation } | undefined>;
      const handlers = METHODS.filter((method) => module[method]);
      expect(handlers.length, `${file} serves no method`).toBeGreaterThan(0);
      for (const method of handlers) {
        const op = module[method]!.operation;
        expect(op, `${method} in ${file} is not made with route(operations.…)`).toBeDefined();
        expect(op!.method, `${file}: ${method} serves ${op!.id}`).toBe(method);
        expect(op!.path, `${file} serves ${op!.id}`).toMatch(pattern);
        expect(served.has(op!), `${op!.id} is served twice`).toBe(false);
        served.set(op!, file);
      }
    }
    const unserved = (Object.values(operations) as Operation[]).filter((op) => !served.has(op)).map((op) => op.id);
    expect(unserved).toEqual([]);
  });

  it("have unique ids and paths", () => {
    const all = Object.values(operations) as Operation[];
    expect(new Set(all.map((op) => op.id)).size).toBe(all.length);
    expect(new Set(all.map((op) => `${op.method} ${op.path}`)).size).toBe(all.length);
  });
});

describe("the OpenAPI document", () => {
  const document = openApiDocument("https://hub.example.org/services/kiln", "1.2.3") as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<string, Record<string, { parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>; security: unknown[] }>>;
  };

  it("is OpenAPI 3.1 for this Kiln, with every operation", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: "https://hub.example.org/services/kiln" }]);
    const count = Object.values(document.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
    expect(count).toBe(Object.keys(operations).length);
  });

  it("describes requests as the routes parse them: query parameters, path parameters and bodies", () => {
    const list = document.paths["/api/library"]!.get!;
    const limit = list.parameters.find((p) => p.name === "limit")!;
    expect(limit).toMatchObject({ in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } });
    expect(list.parameters.find((p) => p.name === "view")!.schema).toMatchObject({ enum: ["mine", "shared"] });
    const entry = document.paths["/api/library/{id}"]!.patch!;
    expect(entry.parameters).toEqual([expect.objectContaining({ name: "id", in: "path", required: true, schema: expect.objectContaining({ type: "string", pattern: expect.any(String) }) })]);
    expect(entry.requestBody!.content["application/json"]!.schema).toMatchObject({ properties: { visibility: { enum: ["private", "shared"] } }, additionalProperties: false });
    // A catch-all route is documented segment by segment, as BinderHub documents its build API.
    expect(document.paths["/build/{provider}/{spec}"]!.get!.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(["path:provider", "path:spec", "query:build_only"]);
  });

  it("describes responses and errors, and who may call", () => {
    const list = document.paths["/api/library"]!.get!;
    expect(list.responses["200"]!.content!["application/json"]!.schema).toMatchObject({ required: expect.arrayContaining(["entries", "nextCursor"]) });
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "429", "500", "503"]));
    expect(list.responses["401"]!.content!["application/problem+json"]!.schema).toEqual({ $ref: "#/components/schemas/Problem" });
    expect(document.paths["/api/admin/bans"]!.post!.responses).toHaveProperty("403");
    expect(document.paths["/api/health"]!.get!.security).toEqual([]);
    expect(document.paths["/build/{provider}/{spec}"]!.get!.security).toEqual([{ hubToken: ["custom:kiln:write"] }]);
    expect(document.paths["/api/library"]!.get!.security).toEqual([{ hubToken: [] }, { session: [] }]);
    expect(document.paths["/api/library/{id}"]!.delete!.security).toEqual([{ hubToken: ["custom:kiln:write"] }, { session: [] }]);
    expect(document.paths["/api/builds/{id}/events"]!.get!.responses["200"]!.content).toHaveProperty("text/event-stream");
  });
});

describe("what a read-only Hub API token may call", () => {
  it("reads only: every operation that changes something needs the write scope, and the dry run of the ban rules does not", () => {
    const needsWrite = (Object.values(operations) as Operation[]).filter((op) => (op.access === "user" || op.access === "moderator") && tokenNeedsWrite(op)).map((op) => op.id);
    expect(needsWrite.sort()).toEqual(
      [
        "binderBuild",
        "cancelBuild",
        "cleanupRun",
        "createBan",
        "deleteBan",
        "deleteEntry",
        "dismissReport",
        "launch",
        "markNotificationsRead",
        "moderateEntry",
        "rebuildEntry",
        "reportEntry",
        "requestBuild",
        "savePolicy",
        "setVisibility",
        "stopServer",
      ].sort(),
    );
  });
});

describe("the front door (proxy.ts)", () => {
  it("lets through, unsigned, exactly the operations anyone or the Hub may call, and the build API that checks its token itself", async () => {
    const { PUBLIC_PATHS } = await import("@/proxy");
    const open = (apiPath: string) => {
      const concrete = apiPath.replace(/\{\w+\}/g, "x");
      return PUBLIC_PATHS.some((prefix) => concrete === prefix || concrete.startsWith(`${prefix}/`));
    };
    for (const op of Object.values(operations) as Operation[]) {
      const shouldBeOpen = op.access === "public" || op.access === "hub" || op.access === "metrics" || op.tokenOnly === true;
      expect(open(op.path), `${op.id} (${op.access}) at ${op.path}`).toBe(shouldBeOpen);
    }
  });
});

describe("allowedMethods", () => {
  it("names the methods each path serves, catch-all paths included, and nothing for other paths", async () => {
    const { allowedMethods } = await import("./methods");
    expect(allowedMethods("/api/library")).toEqual(["GET"]);
    expect(allowedMethods("/api/library/12")!.sort()).toEqual(["DELETE", "PATCH"]);
    expect(allowedMethods("/api/library/12/rebuild")).toEqual(["POST"]);
    expect(allowedMethods("/api/library/updates")).toEqual(["GET"]);
    expect(allowedMethods("/api/admin/bans/test")).toEqual(["POST"]);
    expect(allowedMethods("/api/admin/bans/7")).toEqual(["DELETE"]);
    expect(allowedMethods("/api/notifications")!.sort()).toEqual(["GET", "POST"]);
    expect(allowedMethods("/build/gh/org/repo/HEAD")).toEqual(["GET"]);
    expect(allowedMethods("/badge.svg")).toEqual(["GET"]);
    expect(allowedMethods("/badgeXsvg")).toBeNull();
    expect(allowedMethods("/library")).toBeNull();
  });
});
