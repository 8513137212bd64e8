import type { BuildStatus } from "@/lib/builds/status";

const STEPS: { status: BuildStatus; label: string }[] = [
  { status: "queued", label: "Queued" },
  { status: "fetching", label: "Fetching" },
  { status: "building", label: "Building" },
  { status: "pushing", label: "Pushing" },
  { status: "built", label: "Built" },
];

type StepState = "done" | "current" | "failed" | "todo" | "stopped";

const BAR: Record<StepState, string> = {
  done: "bg-emerald-600",
  current: "animate-pulse bg-kiln-500",
  failed: "bg-red-600",
  todo: "bg-stone-200 dark:bg-stone-800",
  stopped: "bg-stone-400 dark:bg-stone-600",
};

/**
 * The build's phase as a stepped progress bar, announced to screen readers by name. A failed
 * build marks the phase it failed in (earlier phases stay done); a cancelled one greys them all.
 */
export function PhaseProgress({ status, failedPhase = null }: { status: BuildStatus; failedPhase?: BuildStatus | null }) {
  const failed = status === "failed" || status === "cancelled";
  const failedAt = status === "failed" && failedPhase ? STEPS.findIndex((step) => step.status === failedPhase) : -1;
  const index = failed ? failedAt : STEPS.findIndex((step) => step.status === status);
  // A progress bar's children are not read out, so the failed phase is named here too.
  const failedWhile = failedAt >= 0 ? ` while ${STEPS[failedAt]!.label.toLowerCase()}` : "";
  const valueText = failed ? (status === "failed" ? `Failed${failedWhile}` : "Cancelled") : STEPS[index]?.label ?? status;
  const stateOf = (i: number): StepState => {
    if (status === "cancelled" || (status === "failed" && failedAt === -1)) return status === "failed" ? "failed" : "stopped";
    if (i < index || (i === index && status === "built")) return "done";
    if (i === index) return failed ? "failed" : "current";
    return "todo";
  };
  return (
    <div
      role="progressbar"
      aria-label="Build progress"
      aria-valuemin={1}
      aria-valuemax={STEPS.length}
      aria-valuenow={failed ? undefined : index + 1}
      aria-valuetext={valueText}
      data-status={status}
      data-testid="build-phase"
    >
      <ol className="grid grid-cols-5 gap-1">
        {STEPS.map((step, i) => {
          const state = stateOf(i);
          return (
            <li key={step.status} className="text-xs" data-state={state} data-testid="build-phase-step">
              <div className={`h-2 rounded-full ${BAR[state]}`} />
              <span className={`mt-1 block ${state === "current" || state === "failed" ? "font-semibold" : "text-stone-600 dark:text-stone-400"} ${state === "failed" ? "text-red-700 dark:text-red-400" : ""}`}>
                {step.label}
                {state === "failed" && failedAt >= 0 && <span> · failed</span>}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
