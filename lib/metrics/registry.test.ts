import { describe, expect, it } from "vitest";
import { buildOutcome, countedStream, metrics, openViewer, repoLabels } from "./registry";

const sample = async (name: string, labels: Record<string, string> = {}) => {
  const metric = (await metrics().registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
};

describe("Kiln's metrics", () => {
  it("uses BinderHub's provider names and outcome labels", () => {
    expect(repoLabels("github", "https://github.com/org/repo")).toEqual({ provider: "GitHub", repo: "https://github.com/org/repo" });
    expect(repoLabels("hydroshare", "https://www.hydroshare.org/resource/x")).toMatchObject({ provider: "Hydroshare" });
    expect([buildOutcome("built"), buildOutcome("failed"), buildOutcome("cancelled")]).toEqual(["success", "failure", "cancelled"]);
  });

  it("names at most 1,000 repositories in labels, and counts the rest as other", () => {
    for (let i = 0; i < 1100; i++) repoLabels("git", `https://git.example.org/flood-${i}.git`);
    expect(repoLabels("git", "https://git.example.org/flood-5.git").repo).toBe("https://git.example.org/flood-5.git");
    expect(repoLabels("git", "https://git.example.org/flood-1050.git").repo).toBe("other");
    expect(metrics().repoLabels.size).toBeLessThanOrEqual(1000);
  });

  it("counts a viewer once, however often its stream is released", async () => {
    const before = await sample("kiln_sse_viewers", { stream: "build_log" });
    const release = openViewer("build_log");
    expect(await sample("kiln_sse_viewers", { stream: "build_log" })).toBe(before + 1);
    release();
    release();
    expect(await sample("kiln_sse_viewers", { stream: "build_log" })).toBe(before);
  });

  it("counts a relayed stream until it ends, fails or its reader cancels it", async () => {
    const count = () => sample("kiln_sse_viewers", { stream: "launch_progress" });
    const before = await count();
    const source = (chunks: string[], fail = false) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          if (fail) controller.error(new Error("the Hub went away"));
          else controller.close();
        },
      });
    const ended = countedStream(source(["data: 1\n\n", "data: 2\n\n"]), "launch_progress");
    expect(await count()).toBe(before + 1);
    expect(await new Response(ended).text()).toBe("data: 1\n\ndata: 2\n\n");
    expect(await count()).toBe(before);

    const cancelled = countedStream(new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) }), "launch_progress");
    expect(await count()).toBe(before + 1);
    await cancelled.cancel();
    expect(await count()).toBe(before);

    const failed = countedStream(source([], true), "launch_progress");
    await expect(new Response(failed).text()).rejects.toThrow("the Hub went away");
    expect(await count()).toBe(before);
  });

  it("keeps one registry per process, with every metric registered once", async () => {
    expect(metrics()).toBe(metrics());
    const names = (await metrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["binderhub_build_time_seconds", "binderhub_launch_time_seconds", "binderhub_inprogress_builds", "binderhub_build_count", "binderhub_launch_count", "process_cpu_user_seconds_total"]));
    expect(new Set(names).size).toBe(names.length);
  });
});
