import type { BuildStatus } from "@/lib/builds/schema";

const STEPS: { status: BuildStatus; label: string }[] = [
  { status: "queued", label: "Queued" },
  { status: "fetching", label: "Fetching" },
  { status: "building", label: "Building" },
  { status: "pushing", label: "Pushing" },
  { status: "built", label: "Built" },
];

/** The build's phase as a stepped progress bar, announced to screen readers by name. */
export function PhaseProgress({ status }: { status: BuildStatus }) {
  const failed = status === "failed" || status === "cancelled";
  const index = failed ? -1 : STEPS.findIndex((step) => step.status === status);
  const valueText = failed ? (status === "failed" ? "Failed" : "Cancelled") : STEPS[index]?.label ?? status;
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
          const done = !failed && i < index;
          const current = !failed && i === index;
          const bar = failed
            ? status === "failed" ? "bg-red-500" : "bg-stone-400"
            : done || (current && status === "built") ? "bg-emerald-500"
            : current ? "animate-pulse bg-kiln-500"
            : "bg-stone-200 dark:bg-stone-800";
          return (
            <li key={step.status} className="text-xs">
              <div className={`h-2 rounded-full ${bar}`} />
              <span className={`mt-1 block ${current ? "font-semibold" : "text-stone-500 dark:text-stone-400"}`}>{step.label}</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
