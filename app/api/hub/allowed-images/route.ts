import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { allowedImages } from "@/lib/library/server";

// Asked by jupyterhub_config.py's allowed_images callable, with the service token Kiln and the
// Hub share: the images this user may run (their own entries and every shared one).
export const GET = route(operations.hubAllowedImages, async ({ query }) => ({
  images: await allowedImages(query.user),
}));
