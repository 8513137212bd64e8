import { describe, expect, it } from "vitest";
import { RepoInputError } from "./git-url";
import { isBlockedAddress, planFetch, UnsafeUrlError } from "./safety";

const rules = { allowedHosts: [], trustedHosts: [] };
const dns = (table: Record<string, string[]>) => async (host: string) => table[host] ?? [];

describe("isBlockedAddress", () => {
  it.each(["127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1"])(
    "blocks %s",
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );
  it.each(["140.82.112.3", "8.8.8.8", "2606:4700::6810:84e5"])("allows %s", (address) => expect(isBlockedAddress(address)).toBe(false));
});

describe("planFetch", () => {
  it("lets public hosts through and returns the addresses it checked, IPv4 first, for pinning", async () => {
    const plan = await planFetch("https://git.example.org/r.git", "git", rules, dns({ "git.example.org": ["2606:4700::6810:84e5", "93.184.216.34"] }));
    expect(plan).toMatchObject({ url: "https://git.example.org/r.git", scheme: "https", host: "git.example.org", port: 443 });
    expect(plan.pins).toEqual([{ host: "git.example.org", port: 443, addresses: ["93.184.216.34", "2606:4700::6810:84e5"] }]);
  });

  it("resolves a host once: the answer checked is the answer pinned (no second lookup to rebind)", async () => {
    const answers = [["93.184.216.34"], ["127.0.0.1"]];
    let calls = 0;
    const rebinding = async () => answers[calls++] ?? [];
    const plan = await planFetch("git://rebind.example:9418/x.git", "git", rules, rebinding);
    expect(calls).toBe(1);
    expect(plan.pins[0]?.addresses).toEqual(["93.184.216.34"]);
  });

  it("pins nothing for an address literal", async () => {
    expect((await planFetch("https://93.184.216.34/r.git", "git", rules, dns({}))).pins).toEqual([]);
  });

  it("refuses loopback, private and metadata addresses, literal or by DNS, and says how to allow them", async () => {
    for (const url of ["git://127.0.0.1:9418/x.git", "http://169.254.169.254/latest/meta-data", "https://localhost/r", "http://[::1]/r", "http://[::ffff:7f00:1]/r"]) {
      await expect(planFetch(url, "git", rules, dns({}))).rejects.toThrow(/local or private address\. This Hub builds from no private host\. .*ask your Hub admin/);
    }
    await expect(planFetch("https://intranet.example/r", "git", rules, dns({ "intranet.example": ["93.184.216.34", "10.1.1.1"] }))).rejects.toThrow(UnsafeUrlError);
    await expect(planFetch("https://mapped.example/r", "git", rules, dns({ "mapped.example": ["::ffff:10.0.0.1"] }))).rejects.toThrow(UnsafeUrlError);
  });

  it("allows an allow-listed host, or only its listed port, and still pins a name", async () => {
    await expect(planFetch("git://127.0.0.1:9418/x.git", "git", { ...rules, allowedHosts: ["127.0.0.1:9418"] })).resolves.toMatchObject({ pins: [] });
    await expect(planFetch("http://127.0.0.1:8080/x.git", "git", { ...rules, allowedHosts: ["127.0.0.1:9418"] })).rejects.toThrow(UnsafeUrlError);
    const plan = await planFetch("https://git.lab.internal/x", "git", { ...rules, allowedHosts: ["git.lab.internal"] }, dns({ "git.lab.internal": ["10.0.0.2"] }));
    expect(plan.pins).toEqual([{ host: "git.lab.internal", port: 443, addresses: ["10.0.0.2"] }]);
  });

  it("trusts configured provider hosts on their own port only", async () => {
    const trusting = { ...rules, trustedHosts: ["github.internal:443"] };
    await expect(planFetch("https://github.internal/o/r", "git", trusting, dns({ "github.internal": ["10.0.0.3"] }))).resolves.toMatchObject({
      host: "github.internal",
    });
    // The same private host on another port (its Redis, say) is not a provider.
    await expect(planFetch("https://github.internal:6379/o/r", "git", trusting, dns({ "github.internal": ["10.0.0.3"] }))).rejects.toThrow(/private address/);
  });

  it("says so when a host does not exist", async () => {
    await expect(planFetch("https://nowhere.invalid/r", "git", rules, dns({}))).rejects.toThrow(/could not be found/);
    await expect(planFetch("https://broken.invalid/r", "git", rules, async () => Promise.reject(new Error("ENOTFOUND")))).rejects.toThrow(/could not be found/);
  });

  it("checks the host git would connect to, not the one WHATWG's parser sees", async () => {
    // WHATWG reads host github.com here; curl reads user "github.com\" at localhost:9555.
    let looked = 0;
    const lookup = async () => {
      looked += 1;
      return ["140.82.112.3"];
    };
    await expect(planFetch("http://github.com\\@localhost:9555/x", "git", rules, lookup)).rejects.toThrow(RepoInputError);
    await expect(planFetch("file:///etc/passwd", "git", rules, lookup)).rejects.toThrow(/file: URLs are not supported/);
    expect(looked).toBe(0);
  });
});
