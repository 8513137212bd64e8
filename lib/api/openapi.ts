import { z } from "zod";
import { operations, serverSentEventSchema, tokenNeedsWrite, type Operation } from "./operations";

// The OpenAPI 3.1 document of Kiln's API, generated from the operations' zod schemas with zod's
// own JSON Schema output (draft 2020-12, which OpenAPI 3.1 uses): requests as they may be sent
// (zod's input side: defaults optional, coercions as strings), responses as Kiln sends them.

type JsonSchema = Record<string, unknown>;

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe("What went wrong, for programs (e.g. not_signed_in, bad_request, quota_exceeded)"),
    detail: z.string().describe("What went wrong and what to do, for people"),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe("Each field a bad request got wrong"),
  })
  .meta({ description: "RFC 9457 problem details" });

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** An object schema's properties as OpenAPI parameters. */
function parameters(schema: z.ZodType | undefined, where: "query" | "path", path: string): JsonSchema[] {
  if (where === "path") {
    // Named by the path template; a catch-all segment (an array in the route) is one string each.
    const properties = (schema ? jsonSchema(schema, "input").properties : {}) as Record<string, JsonSchema>;
    return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
      const property = properties[name!];
      return { name, in: "path", required: true, schema: property && property.type !== "array" ? property : { type: "string" } };
    });
  }
  if (!schema) return [];
  const object = jsonSchema(schema, "input");
  const required = new Set((object.required as string[] | undefined) ?? []);
  return Object.entries((object.properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema: property,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
  }));
}

const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });

/** The errors an operation may answer: those of its access level and inputs, and its own. */
function errorResponses(op: Operation): Record<string, unknown> {
  if (op.errorsAsEvents) {
    // Refusals before the stream starts keep their status, with the failed event as the body.
    const event = { "text/event-stream": { schema: jsonSchema(serverSentEventSchema, "output") } };
    return Object.fromEntries(Object.entries(op.errors ?? {}).map(([status, description]) => [status, { description, content: event }]));
  }
  const errors: Record<number, string> = { 500: "Something went wrong on Kiln's side", 503: "The database, the engine or the Hub is not answering" };
  if (op.query || op.body) errors[400] = "The request does not fit: `errors` says which field and why";
  if (op.params) errors[404] = "There is no such thing (or it is not yours)";
  if (op.body) Object.assign(errors, { 413: "The body is larger than 64 KiB", 415: "The body is not JSON" });
  if (op.access === "hub") errors[401] = "Only JupyterHub may call this (with the service's token)";
  // Anyone who sends a token is counted against the rate limit, on public operations too.
  if (op.access !== "hub" && op.access !== "metrics") errors[429] = "Too many requests: wait as Retry-After says";
  if (op.access === "user" || op.access === "moderator") {
    errors[401] = "Not signed in, or the API token is not valid";
    if (op.method !== "GET") errors[403] = "A cookie-authenticated request that did not come from Kiln's own pages";
  }
  if (op.access === "moderator") errors[403] = "Not a moderator";
  if ((op.access === "user" || op.access === "moderator") && tokenNeedsWrite(op)) {
    errors[403] = `${errors[403] ? `${errors[403]}; or a` : "A"} Hub API token without Kiln's write scope`;
  }
  // A status this operation adds a reason to keeps the reasons of its access level too.
  for (const [status, description] of Object.entries(op.errors ?? {})) {
    const common = errors[Number(status)];
    errors[Number(status)] = common ? `${description}; or: ${common}` : description;
  }
  return Object.fromEntries(Object.entries(errors).map(([status, description]) => [status, problemResponse(description)]));
}

function operationObject(op: Operation, writeScope: string): JsonSchema {
  // OpenAPI 3.1 lets any scheme list what it needs: here, the Hub scope a token must carry.
  const hubToken = { hubToken: tokenNeedsWrite(op) ? [writeScope] : [] };
  const security =
    op.access === "public"
      ? []
      : op.access === "hub"
        ? [{ hubServiceToken: [] }]
        : op.access === "metrics"
          ? [{ hubToken: ["read:metrics"] }]
          : op.tokenOnly
            ? [hubToken]
            : [hubToken, { session: [] }];
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    const contentType = spec.contentType ?? "application/json";
    responses[status] = {
      description: spec.description,
      ...(spec.schema ? { content: { [contentType]: { schema: jsonSchema(spec.schema, "output") } } } : {}),
      ...(spec.headers ? { headers: Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: "string" } }])) } : {}),
    };
  }
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security,
    parameters: [...parameters(op.params, "path", op.path), ...parameters(op.query, "query", op.path)],
    ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input") } } } } : {}),
    responses: { ...responses, ...errorResponses(op) },
  };
}

/** The whole document, for a Kiln at `baseUrl` (its public URL, e.g. https://hub.example.org/services/kiln). */
export function openApiDocument(baseUrl: string, version: string, writeScope = "custom:kiln:write"): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of Object.values(operations) as Operation[]) {
    (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op, writeScope);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Kiln",
      version,
      description:
        "Build repositories into images with repo2docker, keep them in a library and launch them on JupyterHub. Call it with a Hub API token (`Authorization: token …`) made on the Hub's Token page; changes need the token to carry Kiln's write scope (a token narrowed without it may only read); a browser session works too, with the page's `X-XSRFToken` on changes. Errors are RFC 9457 problem details.",
    },
    servers: [{ url: baseUrl }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, "output") },
      securitySchemes: {
        hubToken: { type: "apiKey", in: "header", name: "Authorization", description: "`token <a JupyterHub API token>` whose scopes include access to this service; operations that change things list the write scope they need" },
        session: { type: "apiKey", in: "cookie", name: "kiln-session", description: "Kiln's browser session (signed in through the Hub)" },
        hubServiceToken: { type: "http", scheme: "bearer", description: "The API token JupyterHub and Kiln share (the Hub's own calls only)" },
      },
    },
  };
}
