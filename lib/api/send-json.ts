import { fetchJson } from "./fetch-json";

/** A JSON request that changes something (POST, PUT, PATCH, DELETE), through fetchJson. */
export function sendJson<T>(path: string, method: "POST" | "PUT" | "PATCH" | "DELETE", body?: unknown): Promise<T> {
  return fetchJson<T>(path, body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}
