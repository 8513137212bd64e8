import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { banTestResultSchema } from "@/lib/bans/schema";
import { testBans } from "@/lib/bans/trial";

// Changes nothing; POST because the draft rule and the repository are a body, not a link.
export const POST = route(operations.testBans, async ({ body }) => banTestResultSchema.parse(await testBans(body)));
