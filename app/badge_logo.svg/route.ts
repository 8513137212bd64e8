import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { badgeResponse, launchBadge } from "@/lib/links/badges";

// The label is configuration read at run time, not at build.
export const dynamic = "force-dynamic";

export const GET = route(operations.badgeLogo, async () => badgeResponse(launchBadge(true)));
