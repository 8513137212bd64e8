import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { LinkLauncher } from "@/components/LinkLauncher";
import { requireUserForPage } from "@/lib/auth/session";
import { serverEnv } from "@/lib/env";
import { LINK_SPEC_HEADER, openPathFromParams, serverPathFor, specFromSegments } from "@/lib/links/links";
import { parseLinkSpec, RepoInputError } from "@/lib/repos/parse";
import { providerLabels } from "@/lib/repos/providers";

export const metadata: Metadata = { title: "Launch" };

type Query = Record<string, string | string[] | undefined>;
const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? null;

/**
 * A Binder-compatible launch link (/v2/<provider>/<spec>?urlpath=…): signed-out visitors come
 * back here after the Hub's sign-in; then the page builds (or reuses) and launches by itself.
 */
export default async function LaunchLinkPage({ params, searchParams }: { params: Promise<{ spec: string[] }>; searchParams: Promise<Query> }) {
  const segments = (await params).spec;
  const query = await searchParams;
  const spec = (await headers()).get(LINK_SPEC_HEADER) ?? specFromSegments(segments);
  const search = new URLSearchParams(Object.entries(query).flatMap(([key, value]) => (value === undefined ? [] : [[key, first(value) ?? ""]]))).toString();
  await requireUserForPage(`/v2/${spec}${search ? `?${search}` : ""}`);

  const openPath = openPathFromParams({ urlpath: first(query.urlpath), labpath: first(query.labpath), filepath: first(query.filepath) });
  let problem: string | null = null;
  let parsed: ReturnType<typeof parseLinkSpec> | null = null;
  try {
    parsed = parseLinkSpec(spec);
    if (serverPathFor(openPath, "repository") === null) problem = "The path this link asks to open leaves the server (it has “..” or a backslash). Ask whoever made the link to fix it.";
  } catch (error) {
    if (!(error instanceof RepoInputError)) throw error;
    problem = error.message;
  }

  if (!parsed || problem) {
    const suggestion = problem ? /Did you mean (\S+)\?/.exec(problem)?.[1] : undefined;
    return (
      <section aria-labelledby="link-problem" className="rounded-xl border border-red-300 bg-red-50 p-6 dark:border-red-900 dark:bg-red-950">
        <h1 id="link-problem" className="text-xl font-semibold">
          This launch link does not work
        </h1>
        <p className="mt-2" data-testid="link-problem">
          {problem}
        </p>
        <p className="mt-4 text-sm">
          <code className="break-all rounded bg-white/60 px-1 dark:bg-black/30">/v2/{spec}</code>
        </p>
        {suggestion && (
          <p className="mt-4">
            <Link href={`/v2/${suggestion}${search ? `?${search}` : ""}`} className="font-medium underline underline-offset-4">
              Open /v2/{suggestion}
            </Link>
          </p>
        )}
        <p className="mt-4">
          You can paste the repository on the <Link href="/" className="underline underline-offset-4">Launch page</Link> instead.
        </p>
      </section>
    );
  }
  return (
    <LinkLauncher
      spec={spec}
      openPath={openPath}
      provider={providerLabels[parsed.target.provider]}
      displayName={parsed.displayName}
      requestedRef={parsed.ref}
      autoLaunch={serverEnv().KILN_LINK_LAUNCH === "auto"}
    />
  );
}
