import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { rawLog } from "@/lib/builds/server";

export const dynamic = "force-dynamic";

export const GET = route(operations.buildLog, async ({ user, params, query }) => {
  const log = await rawLog(params.id, user, query.timestamps === "1");
  return new Response(log.body, {
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="${log.filename}"`,
      // A finished build's log never changes again.
      "cache-control": log.finished ? "private, max-age=31536000, immutable" : "no-store",
    },
  });
});
