import { NextResponse, type NextRequest } from "next/server";
import { publicBaseUrl } from "@/lib/env";
import { problem } from "@/lib/http/problem";

// mybinder.org's first link form, /repo/<org>/<repo>[/<path>], redirected as BinderHub does: to
// the GitHub repository's master branch (which a link falls back from to the default branch),
// and whatever follows the repository as the urlpath.
export function GET(request: NextRequest, { params }: { params: Promise<{ parts: string[] }> }) {
  return params.then(({ parts }) => {
    const [org, repo, ...rest] = parts;
    if (!org || !repo) return problem(404, "not_found", "A /repo/ link looks like /repo/<org>/<repository>. Check the link.");
    const urlpath = rest.join("/");
    const query = urlpath ? `?${new URLSearchParams({ urlpath: `/${urlpath}` })}` : "";
    const spec = [org, repo].map(encodeURIComponent).join("/");
    return NextResponse.redirect(`${publicBaseUrl()}/v2/gh/${spec}/master${query}`, 302);
  });
}
