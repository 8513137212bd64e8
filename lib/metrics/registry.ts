import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { binderProviderNames, type ProviderId } from "@/lib/repos/providers";

// Kiln's Prometheus metrics. Where BinderHub measures the same thing, the name, help and labels
// are BinderHub's (binderhub/builder.py), so mybinder.org's dashboards read Kiln unchanged.
// Gauges of stored state (builds, library) are read from the database at scrape time, in
// lib/metrics/server.ts; everything else is counted here as it happens.

// BinderHub's buckets, with shorter ones first: Kiln's cached rebuilds take seconds.
const BUILD_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const LAUNCH_BUCKETS = [2, 5, 10, 20, 30, 60, 120, 300, 600];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct repositories named in `repo` labels; beyond this they count as "other", so a flood of made-up repositories cannot grow the scrape without bound. */
const MAX_REPO_LABELS = 1000;

function makeMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    buildTime: new Histogram({ name: "binderhub_build_time_seconds", help: "Histogram of build times", labelNames: ["status"], buckets: BUILD_BUCKETS, registers: [registry] }),
    buildCount: new Counter({ name: "binderhub_build_count", help: "Counter of builds by repo", labelNames: ["status", "provider", "repo"], registers: [registry] }),
    launchTime: new Histogram({ name: "binderhub_launch_time_seconds", help: "Histogram of launch times", labelNames: ["status", "retries"], buckets: LAUNCH_BUCKETS, registers: [registry] }),
    launchCount: new Counter({ name: "binderhub_launch_count", help: "Counter of launches by repo", labelNames: ["status", "provider", "repo"], registers: [registry] }),
    buildsInProgress: new Gauge({ name: "binderhub_inprogress_builds", help: "Builds currently in progress", registers: [registry] }),
    buildsQueued: new Gauge({ name: "kiln_queued_builds", help: "Builds waiting for a free build slot", registers: [registry] }),
    libraryImages: new Gauge({ name: "kiln_library_images", help: "Images in users' libraries, by visibility (pending: waiting for a moderator)", labelNames: ["visibility"], registers: [registry] }),
    launchesInProgress: new Gauge({ name: "binderhub_inprogress_launches", help: "Launches currently in progress", registers: [registry] }),
    logLines: new Counter({ name: "kiln_build_log_lines_total", help: "Build log lines stored", registers: [registry] }),
    viewers: new Gauge({ name: "kiln_sse_viewers", help: "Server-Sent Event streams open, by kind", labelNames: ["stream"], registers: [registry] }),
    hubErrors: new Counter({ name: "kiln_hub_errors_total", help: "Calls to JupyterHub's API that failed: unreachable, timed out, or answered 5xx", labelNames: ["kind"], registers: [registry] }),
    engineErrors: new Counter({ name: "kiln_engine_errors_total", help: "Calls to the container engine's API that failed: unreachable, or answered 5xx", labelNames: ["kind"], registers: [registry] }),
    requestDuration: new Histogram({
      name: "kiln_request_duration_seconds",
      help: "API request duration in seconds, by operation and status code (as jupyterhub_request_duration_seconds)",
      labelNames: ["code", "method", "handler"],
      buckets: REQUEST_BUCKETS,
      registers: [registry],
    }),
    repoLabels: new Set<string>(),
  };
}

type Metrics = ReturnType<typeof makeMetrics>;
// One set per process: Next.js may load this module more than once (route bundles, instrumentation).
const globalMetrics = globalThis as typeof globalThis & { kilnMetrics?: Metrics };

export function metrics(): Metrics {
  return (globalMetrics.kilnMetrics ??= makeMetrics());
}

/** BinderHub's repo_metric_labels: the provider's name and the repository's URL (capped, see MAX_REPO_LABELS). */
export function repoLabels(provider: ProviderId, repoUrl: string): { provider: string; repo: string } {
  const seen = metrics().repoLabels;
  if (!seen.has(repoUrl) && seen.size < MAX_REPO_LABELS) seen.add(repoUrl);
  return { provider: binderProviderNames[provider], repo: seen.has(repoUrl) ? repoUrl : "other" };
}

/** BinderHub's status label of a finished build. */
export function buildOutcome(status: "built" | "failed" | "cancelled"): string {
  return status === "built" ? "success" : status === "failed" ? "failure" : "cancelled";
}

/** Counts an open event stream of `kind` until `done` is called (idempotent). */
export function openViewer(kind: "build_log" | "binder_build" | "launch_progress"): () => void {
  const gauge = metrics().viewers;
  gauge.inc({ stream: kind });
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    gauge.dec({ stream: kind });
  };
}

/** `body`, counted as an open stream of `kind` until it ends, fails or its reader cancels it. */
export function countedStream(body: ReadableStream<Uint8Array>, kind: "launch_progress"): ReadableStream<Uint8Array> {
  const done = openViewer(kind);
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: ended } = await reader.read();
        if (ended) {
          done();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        done();
        controller.error(error);
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  });
}
