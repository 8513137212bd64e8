import { fetchJson } from "@/lib/api/fetch-json";
import type { LaunchRequest } from "@/lib/repos/types";
import { buildViewSchema, requestBuildResponseSchema, type BuildView, type RequestBuildResponse } from "./schema";

// Client-side calls of the builds API, parsed with the same schemas the server uses.

export async function postBuild(request: LaunchRequest): Promise<RequestBuildResponse> {
  const body = await fetchJson("/api/builds", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  return requestBuildResponseSchema.parse(body);
}

export async function postCancel(id: string): Promise<BuildView> {
  return buildViewSchema.parse(await fetchJson(`/api/builds/${id}/cancel`, { method: "POST" }));
}
