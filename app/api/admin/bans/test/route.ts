import { route } from "@/lib/http/route";
import { banTestResultSchema, banTestSchema } from "@/lib/bans/schema";
import { testBans } from "@/lib/bans/trial";

// Changes nothing; POST because the draft rule and the repository are a body, not a link.
export const POST = route({ access: "moderator", body: banTestSchema }, async ({ body }) => banTestResultSchema.parse(await testBans(body)));
