"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef } from "react";
import { postBuild } from "@/lib/builds/client";
import { BuildWatcher } from "./BuildWatcher";

interface LinkLauncherProps {
  /** The link's spec, still URL-encoded (gh/org/repo/ref). */
  spec: string;
  /** What the link asks to open (see lib/links). */
  openPath: string;
  provider: string;
  displayName: string;
  requestedRef: string;
  /** Launch once built without asking (KILN_LINK_LAUNCH=auto), as Binder does. */
  autoLaunch: boolean;
}

/**
 * A launch link's page: asks Kiln for the build of the linked repository (reusing an image that
 * is built, or joining a build under way), shows its phases and live log, then launches the
 * visitor's own server and opens it, without another click. The request is a same-origin POST
 * made by this page, so opening the page is what starts it, never an image or a fetch elsewhere.
 */
export function LinkLauncher({ spec, openPath, provider, displayName, requestedRef, autoLaunch }: LinkLauncherProps) {
  const request = useMutation({ mutationFn: () => postBuild({ repository: spec, ref: "", path: "", link: true }) });
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    request.mutate();
  }, [request]);

  if (request.isSuccess) {
    const { build, entryId, notice } = request.data;
    return (
      <div className="space-y-4">
        {notice && (
          <p role="status" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200" data-testid="link-notice">
            {notice}
          </p>
        )}
        <BuildWatcher
          key={build.id}
          initial={build}
          entryId={entryId}
          launchPath={openPath}
          autoLaunch={autoLaunch}
          afterFailure={
            <div className="space-y-2 text-sm" data-testid="link-build-failed">
              <p>
                This repository did not build, so there is nothing to launch. The log below says why. If you maintain it, fix what the log
                shows, push, and open this link again; otherwise tell its authors, with a link to this page.
              </p>
              <button type="button" onClick={() => request.mutate()} className="rounded-md border border-stone-300 px-3 py-1.5 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800">
                Try building again
              </button>
            </div>
          }
        />
      </div>
    );
  }

  return (
    <section aria-labelledby="link-heading" className="space-y-3 rounded-xl border border-stone-200 bg-white p-6 dark:border-stone-800 dark:bg-stone-900">
      <p className="text-sm text-stone-600 dark:text-stone-400">{provider}</p>
      <h1 id="link-heading" className="text-2xl font-semibold tracking-tight">
        {displayName}
      </h1>
      <p className="font-mono text-xs text-stone-600 dark:text-stone-400">{requestedRef || "latest version"}</p>
      {request.isError ? (
        <div role="alert" className="space-y-3 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="link-error">
          <p>{request.error.message}</p>
          <p className="flex flex-wrap gap-3">
            <button type="button" onClick={() => request.mutate()} className="rounded-md border border-red-300 px-3 py-1 hover:bg-white dark:border-red-800 dark:hover:bg-red-900">
              Try again
            </button>
            <Link href="/" className="underline underline-offset-4">
              Paste the repository on the Launch page
            </Link>
          </p>
        </div>
      ) : (
        <p role="status" aria-live="polite" className="text-stone-700 dark:text-stone-300">
          Looking up the repository…
        </p>
      )}
    </section>
  );
}
