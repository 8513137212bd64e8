"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { basePath } from "@/lib/api/base-path";
import { postBuild, postCancel } from "@/lib/builds/client";
import { takeLaunchIntent } from "@/lib/builds/launch-intent";
import type { BuildView } from "@/lib/builds/schema";
import { isFinished, type BuildStatus } from "@/lib/builds/status";
import { useBuildEvents } from "@/lib/builds/use-build-events";
import { formatElapsed, versionLabel } from "@/lib/format";
import { providerLabels } from "@/lib/repos/providers";
import { notifyInBackground } from "@/lib/notifications/desktop";
import { DesktopNotifyToggle } from "./DesktopNotifyToggle";
import { ImageDetails } from "./ImageDetails";
import { LaunchButton } from "./LaunchButton";
import { LogViewer, type LogViewerHandle } from "./LogViewer";
import { PhaseProgress } from "./PhaseProgress";
import { ShareDisclosure } from "./ShareLinks";

const STATUS_TEXT: Record<BuildStatus, string> = {
  queued: "Waiting for a free builder",
  fetching: "Fetching the repository",
  building: "Building the environment",
  pushing: "Pushing the image to the registry",
  built: "Built",
  failed: "Failed",
  cancelled: "Cancelled",
};

const FAVICON_COLOURS: Record<BuildStatus, string> = {
  queued: "#a8a29e",
  fetching: "#ea580c",
  building: "#ea580c",
  pushing: "#ea580c",
  built: "#16a34a",
  failed: "#dc2626",
  cancelled: "#78716c",
};

/** Shows state in the tab (title and favicon), where a backgrounded tab still tells it. */
function useTabState(build: BuildView) {
  const wasFinished = useRef(isFinished(build.status));
  useEffect(() => {
    if (!wasFinished.current && isFinished(build.status)) {
      wasFinished.current = true;
      notifyInBackground(`${STATUS_TEXT[build.status]}: ${build.displayName}`, build.status === "built" ? "The environment is ready to launch." : (build.error ?? "See the build page."));
    }
  }, [build.status, build.displayName, build.error]);
  useEffect(() => {
    const mark = build.status === "built" ? "✓" : build.status === "failed" ? "✗" : build.status === "cancelled" ? "■" : "…";
    document.title = `${mark} ${STATUS_TEXT[build.status]} · ${build.displayName} · Kiln`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="${FAVICON_COLOURS[build.status]}"/></svg>`;
    let link = document.querySelector<HTMLLinkElement>("link[rel~='icon'][data-build-state]");
    if (!link) {
      link = document.createElement("link");
      link.rel = "icon";
      link.dataset.buildState = "";
      document.head.appendChild(link);
    }
    link.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  }, [build.status, build.displayName]);
}

interface BuildWatcherProps {
  initial: BuildView;
  entryId: number | null;
  /** A launch link's page: the path to open, and whether to launch as soon as the image is built. */
  launchPath?: string;
  autoLaunch?: boolean;
  /** Shown under a failed or cancelled build: what to do next. */
  afterFailure?: ReactNode;
  /** Whether the viewer's library entry for this build is private (the Share note says what that means). */
  entryPrivate?: boolean;
}

export function BuildWatcher({ initial, entryId, launchPath, autoLaunch = true, afterFailure, entryPrivate }: BuildWatcherProps) {
  // Known only in the browser (this tab's "build and launch"), so decided after mounting.
  const [launchWhenBuilt, setLaunchWhenBuilt] = useState<boolean | null>(launchPath !== undefined ? autoLaunch : null);
  useEffect(() => {
    if (launchPath === undefined) setLaunchWhenBuilt(takeLaunchIntent(initial.id));
  }, [initial.id, launchPath]);
  const log = useRef<LogViewerHandle>(null);
  const { build, stream } = useBuildEvents(initial.id, initial, (lines) => log.current?.write(lines));
  const [now, setNow] = useState(() => Date.now());
  const [copied, setCopied] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  useTabState(build);

  const finished = isFinished(build.status);
  useEffect(() => {
    if (finished) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [finished]);

  const start = Date.parse(build.startedAt ?? build.createdAt);
  const end = build.finishedAt ? Date.parse(build.finishedAt) : now;

  async function cancel() {
    setCancelling(true);
    setActionError(null);
    try {
      await postCancel(build.id);
    } catch (error) {
      setActionError((error as Error).message);
      setCancelling(false);
    }
  }

  async function copyLink() {
    await navigator.clipboard.writeText(window.location.href);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm text-stone-600 dark:text-stone-400">{providerLabels[build.provider]}</p>
          <h1 className="text-2xl font-semibold tracking-tight">{build.displayName}</h1>
          <p className="mt-1 text-sm text-stone-700 dark:text-stone-300" data-testid="build-version">
            {versionLabel(build)} · requested by {build.requestedBy}
          </p>
        </div>
        <div className="flex flex-wrap items-start gap-2 text-sm">
          <button type="button" onClick={() => void copyLink()} className="rounded-md border border-stone-300 px-3 py-1.5 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800">
            {copied ? "Link copied" : "Copy link"}
          </button>
          <ShareDisclosure spec={build.spec} requestedRef={build.requestedRef} resolvedRef={build.resolvedRef} isPrivate={entryPrivate} />
          <a href={`${basePath}/api/builds/${build.id}/log`} download className="rounded-md border border-stone-300 px-3 py-1.5 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800">
            Download log
          </a>
          {build.canCancel && (
            <button type="button" onClick={() => void cancel()} disabled={cancelling} className="rounded-md border border-red-300 px-3 py-1.5 text-red-700 hover:bg-red-50 disabled:opacity-60 dark:border-red-900 dark:text-red-400 dark:hover:bg-red-950">
              {cancelling ? "Cancelling…" : "Cancel build"}
            </button>
          )}
        </div>
      </div>

      <section aria-labelledby="build-status" className="space-y-3 rounded-xl border border-stone-200 bg-white p-5 dark:border-stone-800 dark:bg-stone-900">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="build-status" className="text-lg font-semibold" aria-live="polite" data-testid="build-status">
            {STATUS_TEXT[build.status]}
            {build.queuePosition ? ` · position ${build.queuePosition} in the queue` : ""}
          </h2>
          <p className="text-sm tabular-nums text-stone-600 dark:text-stone-400">
            <span className="sr-only">Elapsed: </span>
            {formatElapsed(end - start)}
            {stream === "reconnecting" && " · reconnecting…"}
          </p>
        </div>
        <PhaseProgress status={build.status} failedPhase={build.failedPhase} />
        {!finished && <DesktopNotifyToggle />}
        {build.error && (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="build-error">
            {build.error}
          </p>
        )}
        {build.status === "failed" && (build.failureStep || build.failureOutput.length > 0) && <FailureSummary build={build} />}
        {(build.status === "failed" || build.status === "cancelled") && (afterFailure ?? <RetryActions build={build} />)}
        {actionError && <p role="alert" className="text-sm text-red-700 dark:text-red-400">{actionError}</p>}
        {build.status === "built" && entryId !== null && launchWhenBuilt === false && launchPath !== undefined && (
          <p className="max-w-prose text-sm" data-testid="launch-confirm">
            Launching opens {build.displayName} in your own server, where its code can read and change the files in your home directory. Launch
            repositories you trust.
          </p>
        )}
        {build.status === "built" && entryId !== null && launchWhenBuilt !== null && (
          <LaunchButton entryId={entryId} auto={launchWhenBuilt} path={launchPath} label={launchPath !== undefined && !launchWhenBuilt ? "Launch in your server" : "Launch"} />
        )}
        {build.status === "built" && (
          <div className="space-y-1 text-sm" data-testid="build-ready">
            <p>
              <span className="font-medium text-emerald-800 dark:text-emerald-400">Ready.</span> {versionLabel(build)} is built;{" "}
              <Link href="/library" className="underline underline-offset-4">your library</Link> keeps it.
            </p>
            <ImageDetails imageName={build.imageName} />
          </div>
        )}
      </section>

      <LogViewer ref={log} label={`Build log of ${build.displayName}`} failed={build.status === "failed"} errorText={build.failureOutput.at(-1)} downloadUrl={`${basePath}/api/builds/${build.id}/log`} />
      {build.logTruncated && (
        <p className="text-sm text-amber-700 dark:text-amber-400">The log was too long to keep whole; its end was not stored. The download has everything that was kept.</p>
      )}
    </div>
  );
}

/** The step that failed and what it printed last, so the reader need not dig through the log. */
function FailureSummary({ build }: { build: BuildView }) {
  return (
    <div className="space-y-2 rounded-md border border-red-200 p-3 text-sm dark:border-red-900" data-testid="build-failure">
      {build.failureStep && (
        <p>
          <span className="font-medium">Failed step:</span> <code className="break-all rounded bg-stone-100 px-1 dark:bg-stone-800" data-testid="build-failure-step">{build.failureStep}</code>
        </p>
      )}
      {build.failureOutput.length > 0 && (
        <>
          <p className="font-medium">{build.failureStep ? "Its last output" : "The last output"}</p>
          <pre tabIndex={0} aria-label="The last output of the failed step" className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-stone-100 p-2 font-mono text-xs text-stone-900 dark:bg-stone-950 dark:text-stone-100" data-testid="build-failure-output">
            {build.failureOutput.join("\n")}
          </pre>
        </>
      )}
    </div>
  );
}

/** Retry the same version, or go back to the form with this one filled in to change it. */
function RetryActions({ build }: { build: BuildView }) {
  const router = useRouter();
  const retry = useMutation({
    mutationFn: () => postBuild({ repository: build.spec, ref: "", path: "" }),
    onSuccess: (result) => router.push(`/builds/${result.build.id}`),
  });
  const action = "rounded-md border px-3 py-1.5 text-sm font-medium";
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <button type="button" disabled={retry.isPending} onClick={() => retry.mutate()} className={`${action} border-kiln-600 bg-kiln-600 text-white hover:bg-kiln-700 disabled:opacity-60`}>
          {retry.isPending ? "Starting…" : "Retry"}
        </button>
        <Link href={`/?spec=${encodeURIComponent(build.spec)}`} className={`${action} border-stone-300 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800`}>
          Edit and rebuild
        </Link>
      </div>
      {retry.isError && <p role="alert" className="text-sm text-red-700 dark:text-red-400">{retry.error.message}</p>}
    </div>
  );
}
