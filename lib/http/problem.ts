import { NextResponse } from "next/server";

/** RFC 9457 problem details, the one error shape every route returns. */
export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return NextResponse.json(
    { type: `about:blank#${code}`, title: code.replaceAll("_", " "), status, code, detail, ...extra },
    { status, headers: { "content-type": "application/problem+json", ...headers } },
  );
}
