import { badgeResponse, launchBadge } from "@/lib/links/badges";

// The label is configuration read at run time, not at build.
export const dynamic = "force-dynamic";

export const GET = () => badgeResponse(launchBadge(true));
