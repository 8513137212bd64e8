import { z } from "zod";
import { serverPathFor } from "@/lib/links/links";
import { UNSAFE_PATH_MESSAGE } from "./naming";

export const launchRequestSchema = z
  .object({
    entryId: z.number().int().positive().max(2_147_483_647),
    /**
     * A file in the repository, or a server path starting with "/" (see lib/links). The pattern
     * (no control characters, backslashes, "." or ".." segments) is what the OpenAPI document
     * can say; serverPathFor checks the rest.
     */
    path: z
      .string()
      .max(1024)
      .regex(/^(?!(?:.*\/)?\.{1,2}(?:\/|$))[^\\\u0000-\u001f\u007f-\u009f]*$/, UNSAFE_PATH_MESSAGE)
      .refine((path) => serverPathFor(path, "repository") !== null, UNSAFE_PATH_MESSAGE).optional(),
    /** Start this one of the person's servers (it must run the entry's image), as the Servers page's "Start" does. */
    server: z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, "not a server name").optional(),
  })
  .strict();

export const launchResultSchema = z.object({ server: z.string(), ready: z.boolean(), openUrl: z.string() }).strict();
export type LaunchResult = z.infer<typeof launchResultSchema>;

export const serverViewSchema = z
  .object({
    name: z.string(),
    image: z.string().nullable(),
    /** The library entry the image is, as the viewer reads it; null for an image not (or no longer) in a library they see. */
    entry: z
      .object({ id: z.number().int(), displayName: z.string(), requestedRef: z.string(), resolvedRef: z.string(), own: z.boolean() })
      .strict()
      .nullable(),
    ready: z.boolean(),
    pending: z.string().nullable(),
    started: z.string().nullable(),
    lastActivity: z.string().nullable(),
    url: z.string(),
  })
  .strict();
export type ServerView = z.infer<typeof serverViewSchema>;
export const serversResponseSchema = z.object({ servers: z.array(serverViewSchema) }).strict();
export type ServersResponse = z.infer<typeof serversResponseSchema>;

export const serverNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, "not a server name");
export const serverParamsSchema = z.object({ name: serverNameSchema }).strict();
export const progressParamsSchema = z.object({ server: serverNameSchema }).strict();
