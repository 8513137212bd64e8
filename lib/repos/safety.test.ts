import { describe, expect, it } from "vitest";
import { assertFetchable, hostAndPort, isBlockedAddress, UnsafeUrlError } from "./safety";

const rules = { allowedHosts: [], trustedHosts: [] };
const dns = (table: Record<string, string[]>) => async (host: string) => table[host] ?? [];

describe("isBlockedAddress", () => {
  it.each(["127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1"])(
    "blocks %s",
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );
  it.each(["140.82.112.3", "8.8.8.8", "2606:4700::6810:84e5"])("allows %s", (address) => expect(isBlockedAddress(address)).toBe(false));
});

describe("hostAndPort", () => {
  it("knows each scheme's port and scp-like URLs", () => {
    expect(hostAndPort("https://github.com/o/r")).toEqual({ host: "github.com", port: "443" });
    expect(hostAndPort("git://127.0.0.1:9418/x.git")).toEqual({ host: "127.0.0.1", port: "9418" });
    expect(hostAndPort("git@Host.Example:lab/r.git")).toEqual({ host: "host.example", port: "22" });
    expect(hostAndPort("http://[::1]:8080/r")).toEqual({ host: "::1", port: "8080" });
  });
});

describe("assertFetchable", () => {
  it("lets public hosts through", async () => {
    await expect(assertFetchable("https://git.example.org/r.git", rules, dns({ "git.example.org": ["93.184.216.34"] }))).resolves.toBeUndefined();
  });

  it("refuses loopback, private and metadata addresses, literal or by DNS, and says how to allow them", async () => {
    for (const url of ["git://127.0.0.1:9418/x.git", "http://169.254.169.254/latest/meta-data", "https://localhost/r", "http://[::1]/r"]) {
      await expect(assertFetchable(url, rules, dns({}))).rejects.toThrow(/local or private address.*KILN_ALLOWED_HOSTS/);
    }
    await expect(assertFetchable("https://intranet.example/r", rules, dns({ "intranet.example": ["93.184.216.34", "10.1.1.1"] }))).rejects.toThrow(UnsafeUrlError);
  });

  it("allows an allow-listed host, or only its listed port", async () => {
    await expect(assertFetchable("git://127.0.0.1:9418/x.git", { ...rules, allowedHosts: ["127.0.0.1:9418"] })).resolves.toBeUndefined();
    await expect(assertFetchable("http://127.0.0.1:8080/x.git", { ...rules, allowedHosts: ["127.0.0.1:9418"] })).rejects.toThrow(UnsafeUrlError);
    await expect(assertFetchable("https://git.lab.internal/x", { ...rules, allowedHosts: ["git.lab.internal"] }, dns({ "git.lab.internal": ["10.0.0.2"] }))).resolves.toBeUndefined();
  });

  it("trusts configured provider hosts", async () => {
    await expect(assertFetchable("https://github.internal/o/r", { ...rules, trustedHosts: ["github.internal"] }, dns({ "github.internal": ["10.0.0.3"] }))).resolves.toBeUndefined();
  });

  it("says so when a host does not exist", async () => {
    await expect(assertFetchable("https://nowhere.invalid/r", rules, dns({}))).rejects.toThrow(/could not be found/);
  });
});
