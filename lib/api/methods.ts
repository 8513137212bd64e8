import { z } from "zod";
import { operations, type Method, type Operation } from "./operations";

// Which methods each API path serves, from the operations: the front door answers any other
// method (TRACE, or PUT where only GET exists) with 405 and an Allow header, before Next.js,
// which answers unknown methods with a 500.

const routes = (() => {
  const byPattern = new Map<string, { pattern: RegExp; methods: Method[] }>();
  for (const op of Object.values(operations) as Operation[]) {
    const shape = op.params instanceof z.ZodObject ? (op.params.shape as Record<string, z.ZodType>) : {};
    // A catch-all route (an array in its params) takes the rest of the path as its last parameter.
    const catchAll = Object.values(shape).some((schema) => schema instanceof z.ZodArray);
    const parameters = [...op.path.matchAll(/\{\w+\}/g)].length;
    let seen = 0;
    const source = op.path
      .split(/(\{\w+\})/)
      .map((part) => (/^\{\w+\}$/.test(part) ? (++seen === parameters && catchAll ? ".+" : "[^/]+") : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("");
    const entry = byPattern.get(source) ?? { pattern: new RegExp(`^${source}$`), methods: [] };
    entry.methods.push(op.method);
    byPattern.set(source, entry);
  }
  // A static segment wins over a parameter, as in Next's routing (/api/admin/bans/test is not a ban id).
  return [...byPattern.entries()].sort(([a], [b]) => a.split("[^/]+").length - b.split("[^/]+").length || a.length - b.length).map(([, route]) => route);
})();

/** The methods Kiln serves at this path (below its base path), or null when no operation is there. */
export function allowedMethods(pathname: string): Method[] | null {
  return routes.find((route) => route.pattern.test(pathname))?.methods ?? null;
}
