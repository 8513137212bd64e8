import { NextResponse } from "next/server";
import { operations } from "@/lib/api/operations";
import { publicBaseUrl } from "@/lib/env";
import { problem } from "@/lib/http/problem";
import { route } from "@/lib/http/route";

// mybinder.org's first link form, /repo/<org>/<repo>[/<path>], redirected as BinderHub does: to
// the GitHub repository's master branch (which a link falls back from to the default branch),
// and whatever follows the repository as the urlpath.
export const GET = route(operations.repoRedirect, async ({ params }) => {
  const [org, repo, ...rest] = params.parts;
  if (!org || !repo) return problem(404, "not_found", "A /repo/ link looks like /repo/<org>/<repository>. Check the link.");
  const urlpath = rest.join("/");
  const query = urlpath ? `?${new URLSearchParams({ urlpath: `/${urlpath}` })}` : "";
  const spec = [org, repo].map(encodeURIComponent).join("/");
  return NextResponse.redirect(`${publicBaseUrl()}/v2/gh/${spec}/master${query}`, 302);
});
