import { beforeAll, describe, expect, it, vi } from "vitest";

// The ticket a Kiln-made start carries to the Hub's pre-spawn check.

let tickets: typeof import("./tickets");

beforeAll(async () => {
  Object.assign(process.env, {
    DATABASE_URL: "postgresql://unused@127.0.0.1:9/unused",
    JUPYTERHUB_API_URL: "http://127.0.0.1:9/hub/api",
    JUPYTERHUB_API_TOKEN: "unused-in-this-test-0000",
    JUPYTERHUB_PUBLIC_URL: "http://127.0.0.1:9",
    NEXTAUTH_URL: "http://127.0.0.1:9/services/kiln/api/auth",
    NEXTAUTH_SECRET: "t".repeat(32),
  });
  tickets = await import("./tickets");
});

describe("launch tickets", () => {
  it("hold for exactly the user, server and image they were made for", () => {
    const ticket = tickets.launchTicket("alice", "repo-1", "kiln-x:abc");
    expect(tickets.ticketValid(ticket, "alice", "repo-1", "kiln-x:abc")).toBe(true);
    expect(tickets.ticketValid(ticket, "bob", "repo-1", "kiln-x:abc")).toBe(false);
    expect(tickets.ticketValid(ticket, "alice", "repo-2", "kiln-x:abc")).toBe(false);
    expect(tickets.ticketValid(ticket, "alice", "repo-1", "kiln-y:abc")).toBe(false);
  });

  it("are refused when missing, forged, stretched or expired", () => {
    const ticket = tickets.launchTicket("alice", "s", "i");
    const [expires, signature] = ticket.split(".") as [string, string];
    expect(tickets.ticketValid(undefined, "alice", "s", "i")).toBe(false);
    expect(tickets.ticketValid(`${expires}.${"A".repeat(43)}`, "alice", "s", "i")).toBe(false);
    expect(tickets.ticketValid(`${Number(expires) + 3600}.${signature}`, "alice", "s", "i")).toBe(false);
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000 });
    try {
      expect(tickets.ticketValid(ticket, "alice", "s", "i")).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
