import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { serverEnv } from "@/lib/env";

// A launch ticket says "Kiln checked this start under its quota locks": Kiln puts it in the
// server's user_options, and the Hub's pre-spawn check hands it back. Bound to one user, server
// and image, and short-lived; anyone starting a server through the Hub's API directly has none,
// and is checked then.

const TICKET_SECONDS = 120;

function signature(user: string, server: string, image: string, expires: number): string {
  return createHmac("sha256", `kiln-launch-ticket:${serverEnv().NEXTAUTH_SECRET}`).update(JSON.stringify([user, server, image, expires])).digest("base64url");
}

export function launchTicket(user: string, server: string, image: string): string {
  const expires = Math.floor(Date.now() / 1000) + TICKET_SECONDS;
  return `${expires}.${signature(user, server, image, expires)}`;
}

export function ticketValid(ticket: string | undefined, user: string, server: string, image: string): boolean {
  const match = /^(\d{1,12})\.([\w-]{43})$/.exec(ticket ?? "");
  if (!match) return false;
  const expires = Number(match[1]);
  if (expires < Date.now() / 1000) return false;
  const expected = Buffer.from(signature(user, server, image, expires));
  const given = Buffer.from(match[2]!);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
