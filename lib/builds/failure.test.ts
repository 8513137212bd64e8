import { describe, expect, it } from "vitest";
import { summariseFailure } from "./failure";
import { failureMessage } from "./runner";

// Logs as repo2docker 2026.4.0 printed them on this machine (Podman) and as Docker BuildKit's plain
// progress prints them.
const COMMAND = "Error during build: Command '['podman', 'buildx', 'build', '--progress', 'plain', '--tag', 'x']' returned non-zero exit status 3.";

describe("summariseFailure", () => {
  it("names Podman's failing step, its output and its exit status, without the builder's bookkeeping", () => {
    const summary = summariseFailure([
      "Picked Git content provider.",
      "Using DockerBuildPack builder",
      "STEP 1/12: FROM localhost/kiln-singleuser:5.5.4",
      "STEP 2/12: RUN echo \"building fails\"",
      "building fails",
      "--> bd488386258",
      'STEP 3/12: RUN pip install -r requirements.txt',
      "Collecting numpy",
      "\u001b[31mERROR: No matching distribution found for numpy==99\u001b[0m",
      'Error: building at STEP "RUN pip install -r requirements.txt": while running runtime: exit status 1',
      "",
      COMMAND,
    ]);
    expect(summary).toEqual({
      step: "Step 3 of 12: RUN pip install -r requirements.txt",
      output: ["Collecting numpy", "ERROR: No matching distribution found for numpy==99"],
      exitStatus: 1,
    });
  });

  it("keeps only the failing step's own lines from BuildKit's interleaved output", () => {
    const summary = summariseFailure([
      "#5 [2/4] RUN echo one",
      "#5 0.120 one",
      "#5 DONE 0.2s",
      "#6 [stage-1 3/4] RUN ./setup.sh",
      "#7 [other 1/2] FROM base",
      "#6 0.101 configuring",
      "#7 0.300 not this step",
      "#6 1.502 setup.sh: line 4: make: command not found",
      '#6 ERROR: process "/bin/sh -c ./setup.sh" did not complete successfully: exit code: 127',
      "------",
      ' > [stage-1 3/4] RUN ./setup.sh:',
      'ERROR: failed to solve: process "/bin/sh -c ./setup.sh" did not complete successfully: exit code: 127',
    ]);
    expect(summary).toEqual({
      step: "Step 3 of 4: RUN ./setup.sh",
      output: ["configuring", "setup.sh: line 4: make: command not found"],
      exitStatus: 127,
    });
  });

  it("without a step (a fetch that failed) keeps the last lines, at most twelve, each at most 300 characters", () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const summary = summariseFailure(["Picked Git content provider.", ...lines, "x".repeat(1000), COMMAND]);
    expect(summary.step).toBeNull();
    expect(summary.exitStatus).toBeNull();
    expect(summary.output).toHaveLength(12);
    expect(summary.output[0]).toBe("line 10");
    expect(summary.output.at(-1)).toHaveLength(300);
  });

  it("an empty log summarises to nothing", () => {
    expect(summariseFailure([])).toEqual({ step: null, output: [], exitStatus: null });
  });
  it("marks a failure of Podman's image store as the engine's, not the repository's", () => {
    // As a build printed it in CI while another image was being removed.
    const lines = [
      "Using DockerBuildPack builder",
      "STEP 1/7: FROM localhost/kiln-singleuser:5.5.4",
      'STEP 2/7: RUN echo "building moving-76d49ae8"',
      "Error: checking if cached image exists from a previous build: getting top layer info: layer not known",
      "",
      COMMAND,
    ];
    const summary = summariseFailure(lines);
    expect(summary.step).toBe('Step 2 of 7: RUN echo "building moving-76d49ae8"');
    expect(summary.engineFault).toBe("Error: checking if cached image exists from a previous build: getting top layer info: layer not known");
    expect(failureMessage(summary, COMMAND, 1)).toBe(
      "The container engine failed under the build at step 2 of 7 (checking if cached image exists from a previous build: getting top layer info: layer not known). This is not a problem with the repository: build it again, and if it fails the same way, tell your Hub admin.",
    );
    // A step whose own command failed stays the repository's.
    const own = summariseFailure(["STEP 2/3: RUN make", "make: *** [all] Error 2", 'Error: building at STEP "RUN make": while running runtime: exit status 2']);
    expect(own.engineFault).toBeUndefined();
    expect(failureMessage(own, undefined, 1)).toContain("fix the repository");
  });
});
