import { fetchJson } from "@/lib/api/fetch-json";
import { launchResultSchema, serversResponseSchema, type LaunchResult, type ServerView } from "@/lib/launches/schema";
import { libraryUpdatesResponseSchema, type LibraryUpdateView } from "./schema";
import { deleteResultSchema, libraryEntrySchema, libraryResponseSchema, type DeleteResult, type LibraryEntryView, type LibraryQuery } from "./schema";

export const libraryKeys = {
  all: ["library"] as const,
  list: (query: LibraryQuery) => [...libraryKeys.all, query] as const,
  updates: () => [...libraryKeys.all, "updates"] as const,
};
export const serverKeys = { all: ["servers"] as const };

export async function fetchLibrary(query: LibraryQuery): Promise<LibraryEntryView[]> {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== "") as [string, string][]);
  return libraryResponseSchema.parse(await fetchJson(`/api/library?${params}`)).entries;
}

export async function patchVisibility(id: number, visibility: "private" | "shared"): Promise<LibraryEntryView> {
  return libraryEntrySchema.parse(
    await fetchJson(`/api/library/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ visibility }) }),
  );
}

export async function deleteLibraryEntry(id: number): Promise<DeleteResult> {
  return deleteResultSchema.parse(await fetchJson(`/api/library/${id}`, { method: "DELETE" }));
}

export async function postLaunch(entryId: number, path?: string, server?: string): Promise<LaunchResult> {
  const body = { entryId, ...(path !== undefined ? { path } : {}), ...(server !== undefined ? { server } : {}) };
  return launchResultSchema.parse(await fetchJson("/api/launches", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

export async function fetchServers(): Promise<ServerView[]> {
  return serversResponseSchema.parse(await fetchJson("/api/servers")).servers;
}

export async function deleteServer(name: string, remove: boolean): Promise<void> {
  await fetchJson(`/api/servers/${name}${remove ? "?remove=1" : ""}`, { method: "DELETE" });
}

export async function fetchLibraryUpdates(): Promise<LibraryUpdateView[]> {
  return libraryUpdatesResponseSchema.parse(await fetchJson("/api/library/updates")).updates;
}
