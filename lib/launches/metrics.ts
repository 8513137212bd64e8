import "server-only";
import { spawnOutcome } from "@/lib/hub/progress";
import { metrics, repoLabels } from "@/lib/metrics/registry";
import type { ProviderId } from "@/lib/repos/providers";

/** How long a start is followed for the launch metrics before it counts as failed (KubeSpawner's start_timeout is 5 min). */
const LAUNCH_FOLLOW_MS = 10 * 60_000;

/**
 * Measures one start from Kiln's request to the server being ready, as BinderHub's
 * binderhub_launch_time_seconds does (status success|failure; Kiln does not retry, so retries is
 * 0, or -1 on failure as BinderHub writes it). A start the Hub answers before it is up is followed
 * on the Hub's progress stream, in the background.
 */
export function trackLaunch(start: Promise<{ ready: boolean }>, user: string, server: string, build: { provider: ProviderId; repoUrl: string }): void {
  const began = performance.now();
  const { launchesInProgress, launchTime, launchCount } = metrics();
  launchesInProgress.inc();
  void start
    .then(
      ({ ready }) => (ready ? ("ready" as const) : spawnOutcome(user, server, AbortSignal.timeout(LAUNCH_FOLLOW_MS))),
      () => "failed" as const,
    )
    .then((outcome) => {
      const status = outcome === "ready" ? "success" : "failure";
      launchTime.observe({ status, retries: status === "success" ? "0" : "-1" }, (performance.now() - began) / 1000);
      launchCount.inc({ status, ...repoLabels(build.provider, build.repoUrl) });
    })
    .finally(() => launchesInProgress.dec());
}
