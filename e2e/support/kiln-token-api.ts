import { expect } from "@playwright/test";
import { dockerRepo, repoWithFiles } from "./repos";
import { hubUserToken, stackEnv } from "./stack";

// Kiln's API called with a user's Hub API token, as a script or Thebe would: for setting up
// what a spec needs quickly (built images, the policy) and for checking what the API answers.

const api = `${stackEnv().hubUrl}/services/kiln/api`;

export interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export class KilnApi {
  private constructor(
    readonly user: string,
    private readonly token: string,
  ) {}

  /** A new Hub token of `user` (made after any group change, so Kiln sees their groups now). */
  static async as(user: string): Promise<KilnApi> {
    return new KilnApi(user, (await hubUserToken(user)).token);
  }

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${api}/${path}`, {
      method,
      headers: { authorization: `token ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV, JSON lines, or empty
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }

  /** Like call, but the answer must be `status`; returns its JSON. */
  async ok<T>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
    const answer = await this.call(method, path, body);
    expect(answer.status, `${method} ${path} as ${this.user}: ${answer.text.slice(0, 300)}`).toBe(status);
    return answer.body as T;
  }

  /** Asks for a build of `url` and waits until it is built; returns its library entry. */
  async build(url: string): Promise<{ entryId: number; buildId: string; image: string }> {
    const answer = await this.call("POST", "builds", { repository: url });
    expect([200, 201], answer.text).toContain(answer.status);
    const { build, entryId } = answer.body as { build: { id: string }; entryId: number };
    let image = "";
    await expect
      .poll(
        async () => {
          const view = await this.ok<{ status: string; imageName: string }>("GET", `builds/${build.id}`);
          image = view.imageName;
          return view.status;
        },
        { timeout: 180_000, intervals: [1000] },
      )
      .toBe("built");
    return { entryId, buildId: build.id, image };
  }

  /** A fresh repository built into this user's library. */
  async builtImage(label: string): Promise<{ entryId: number; buildId: string; image: string; repo: ReturnType<typeof repoWithFiles> }> {
    const repo = repoWithFiles(label, { "README.md": `# ${label}\n` });
    return { ...(await this.build(repo.url)), repo };
  }

  /** Starts a build that takes a while (to have one running), without waiting. */
  async slowBuild(label: string, seconds = 60): Promise<{ buildId: string; entryId: number; name: string }> {
    const repo = dockerRepo(label, `RUN for i in $(seq 1 ${seconds}); do echo "slow-$i"; sleep 1; done`);
    const { build, entryId } = await this.ok<{ build: { id: string }; entryId: number }>("POST", "builds", { repository: repo.url }, 201);
    return { buildId: build.id, entryId, name: repo.name };
  }

  async share(entryId: number): Promise<{ visibility: string }> {
    return this.ok("PATCH", `library/${entryId}`, { visibility: "shared" });
  }

  async notifications(): Promise<string[]> {
    return (await this.ok<{ notifications: { text: string }[] }>("GET", "notifications")).notifications.map((n) => n.text);
  }

  /** The audit log as JSON lines, filtered as the export allows. */
  async auditExport(filter: Record<string, string> = {}): Promise<{ actor: string; action: string; target: string; outcome: string; reason: string | null; details: Record<string, unknown> }[]> {
    const answer = await this.call("GET", `admin/audit/export?${new URLSearchParams({ ...filter, format: "jsonl" })}`);
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    return answer.text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
  }
}

type Policy = Record<string, unknown> & { quotas: { defaults: Record<string, number | null>; groups: Record<string, Record<string, number | null>> } };

/** Changes the Hub's policy as `admin`, and gives back a function that restores what it was. */
export async function changePolicy(admin: KilnApi, change: (policy: Policy) => Policy): Promise<() => Promise<void>> {
  const before = await admin.ok<Policy>("GET", "admin/policy");
  await admin.ok("PUT", "admin/policy", { policy: change(structuredClone(before)), reason: "e2e" });
  return async () => {
    await admin.ok("PUT", "admin/policy", { policy: before, reason: "e2e: restore" });
  };
}
