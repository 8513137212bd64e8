import "server-only";
import { makeBadge } from "badge-maker";
import { serverEnv } from "@/lib/env";

// Launch badges for READMEs, drawn by shields.io's own renderer (badge-maker) so text widths
// and accessibility (role="img", a title) are right: "launch | <this Hub's name>".

/** Kiln's mark, white on the badge's left half. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#ea580c"/><path d="M9 23V9h3v6l6-6h4l-7 7 7 7h-4l-6-6v6z" fill="#fff"/></svg>`;

export function launchBadge(withLogo: boolean): string {
  return makeBadge({
    label: "launch",
    message: serverEnv().KILN_BADGE_LABEL,
    labelColor: "#555",
    color: "#c2410c",
    ...(withLogo ? { logoBase64: `data:image/svg+xml;base64,${Buffer.from(LOGO).toString("base64")}` } : {}),
  });
}

/** A day in caches, a week stale while they revalidate: the label changes only with configuration. */
export function badgeResponse(svg: string): Response {
  return new Response(svg, {
    headers: {
      "content-type": "image/svg+xml; charset=utf-8",
      "cache-control": "public, max-age=86400, stale-while-revalidate=604800",
    },
  });
}
