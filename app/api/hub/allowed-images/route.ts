import { z } from "zod";
import { route } from "@/lib/http/route";
import { allowedImages } from "@/lib/library/server";

// Asked by jupyterhub_config.py's allowed_images callable, with the service token Kiln and the
// Hub share: the images this user may run (their own entries and every shared one).
export const GET = route({ access: "hub", query: z.object({ user: z.string().min(1) }).strict() }, async ({ query }) => ({
  images: await allowedImages(query.user),
}));
