import { fetchJson } from "@/lib/api/fetch-json";
import type { LaunchRequest } from "@/lib/repos/types";
import type { BuildView, RequestBuildResponse } from "./schema";

// Client-side calls of the builds API. Not parsed here: the server parses what it sends with
// these schemas, and leaving zod out keeps it out of every page's JavaScript.

export async function postBuild(request: LaunchRequest): Promise<RequestBuildResponse> {
  return fetchJson<RequestBuildResponse>("/api/builds", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
}

export async function postCancel(id: string): Promise<BuildView> {
  return fetchJson<BuildView>(`/api/builds/${id}/cancel`, { method: "POST" });
}
