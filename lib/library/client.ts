import { fetchJson } from "@/lib/api/fetch-json";
import type { RequestBuildResponse } from "@/lib/builds/schema";
import type { LaunchResult, ServerView, ServersResponse } from "@/lib/launches/schema";
import type { DeleteResult, LibraryEntryView, LibraryQuery, LibraryResponse, LibraryUpdatesResponse, LibraryUpdateView } from "./schema";

// Not parsed here: the server parses what it sends with the schemas these types come from, and
// leaving zod out keeps it out of every page's JavaScript.

/** A listing's filters: what the library's tabs, search and selects choose. */
export type LibraryFilter = Omit<LibraryQuery, "cursor" | "limit">;

export const libraryKeys = {
  all: ["library"] as const,
  list: (filter: LibraryFilter) => [...libraryKeys.all, filter] as const,
  updates: () => [...libraryKeys.all, "updates"] as const,
};
export const serverKeys = { all: ["servers"] as const };

/** Entries the library page asks for at a time: two or three of its pages of repositories (100 cost twice the time). */
export const LIBRARY_REQUEST_SIZE = 50;

/** One page of a listing, from `cursor` (the previous page's nextCursor) or the newest. */
export async function fetchLibraryPage(filter: LibraryFilter, cursor: string | null): Promise<LibraryResponse> {
  const query = { ...filter, limit: String(LIBRARY_REQUEST_SIZE), ...(cursor ? { cursor } : {}) };
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== "") as [string, string][]);
  return fetchJson<LibraryResponse>(`/api/library?${params}`);
}

export async function patchVisibility(id: number, visibility: "private" | "shared"): Promise<LibraryEntryView> {
  return fetchJson<LibraryEntryView>(`/api/library/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ visibility }) });
}

export async function deleteLibraryEntry(id: number): Promise<DeleteResult> {
  return fetchJson<DeleteResult>(`/api/library/${id}`, { method: "DELETE" });
}

/** Builds again the exact version an entry pins (its image was cleaned up, say). */
export async function postRebuild(id: number): Promise<RequestBuildResponse> {
  return fetchJson<RequestBuildResponse>(`/api/library/${id}/rebuild`, { method: "POST" });
}

export async function postLaunch(entryId: number, path?: string, server?: string): Promise<LaunchResult> {
  const body = { entryId, ...(path !== undefined ? { path } : {}), ...(server !== undefined ? { server } : {}) };
  return fetchJson<LaunchResult>("/api/launches", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

export async function fetchServers(): Promise<ServerView[]> {
  return (await fetchJson<ServersResponse>("/api/servers")).servers;
}

export async function deleteServer(name: string, remove: boolean): Promise<void> {
  await fetchJson(`/api/servers/${name}${remove ? "?remove=1" : ""}`, { method: "DELETE" });
}

export async function fetchLibraryUpdates(): Promise<LibraryUpdateView[]> {
  return (await fetchJson<LibraryUpdatesResponse>("/api/library/updates")).updates;
}
