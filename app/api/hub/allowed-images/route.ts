import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { serverEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { allowedImages } from "@/lib/library/server";

// Asked by jupyterhub_config.py's allowed_images callable, with the service token Kiln and the
// Hub share: the images this user may run (their own entries and every shared one).
export const GET = route({ access: "public", query: z.object({ user: z.string().min(1) }).strict() }, async ({ request, query }) => {
  const given = Buffer.from(request.headers.get("authorization")?.replace(/^token\s+/i, "") ?? "");
  const expected = Buffer.from(serverEnv().JUPYTERHUB_API_TOKEN);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError("not_the_hub", 401, "Only JupyterHub may ask which images a user may run.");
  }
  return { images: await allowedImages(query.user) };
});
