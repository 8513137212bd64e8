import { describe, expect, it } from "vitest";
import { CREDENTIALS_MESSAGE, parseFetchUrl, RepoInputError } from "./git-url";

describe("parseFetchUrl", () => {
  it("knows each scheme's port and rebuilds the URL from its parts", () => {
    expect(parseFetchUrl("https://github.com/o/r")).toEqual({ url: "https://github.com/o/r", scheme: "https", host: "github.com", port: 443 });
    expect(parseFetchUrl("git://127.0.0.1:9418/x.git")).toMatchObject({ url: "git://127.0.0.1:9418/x.git", host: "127.0.0.1", port: 9418 });
    expect(parseFetchUrl("HTTP://Git.Example.ORG/Lab/R.git")).toMatchObject({ url: "http://git.example.org/Lab/R.git", port: 80 });
    expect(parseFetchUrl("http://[::1]:8080/r")).toMatchObject({ url: "http://[::1]:8080/r", host: "::1", port: 8080 });
  });

  it("maps scp-like addresses to ssh:// as BinderHub does, keeping the user name", () => {
    expect(parseFetchUrl("git@Host.Example:lab/r.git")).toEqual({ url: "ssh://git@host.example/lab/r.git", scheme: "ssh", host: "host.example", port: 22, user: "git" });
    expect(parseFetchUrl("ssh://git@host.example:2222/r.git")).toMatchObject({ port: 2222, user: "git" });
  });

  it("allows any path and query for a web address repo2docker downloads from", () => {
    const url = "https://dataverse.example.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/TJCLKP";
    expect(parseFetchUrl(url, "web").url).toBe(url);
    expect(() => parseFetchUrl("git://example.org/x.git", "web")).toThrow(/git: URLs are not supported/);
  });

  it.each([
    ["http://github.com\\@localhost:9555/x", /backslash/],
    ["http://user:secret@host.example/repo.git", /only public repositories/],
    ["https://ghp_token@github.com/o/r.git", /only public repositories/],
    ["ssh://git:pw@host.example/r.git", /only public repositories/],
    ["ssh://--upload-pack=x@host.example/r.git", /ssh user name/],
    ["--help@github.com:org/repo", /ssh user name/],
    ["file:///srv/repo.git", /file: URLs are not supported/],
    ["git+ssh://host.example/r.git", /git\+ssh: URLs are not supported/],
    ["ext::sh -c touch% /tmp/x", /spaces/],
    ["http://0177.0.0.1/x.git", /not a host name/],
    ["http://2130706433/x.git", /not a host name/],
    ["http://127.1/x.git", /not a host name/],
    ["http://0x7f.0.0.1/x.git", /not a host name/],
    ["http://localhost./x.git", /not a host name/],
    ["http://[host:80]/x.git", /not an IPv6 address/],
    ["http://[::1/x.git", /not an IPv6 address/],
    ["http://[fe80::1%25eth0]/x.git", /not an IPv6 address/],
    ["http://host.example:99999/x.git", /not a port/],
    ["http://host.example:/x.git", /not a port/],
    ["https://host.example/r.git?x=1", /no query/],
    ["https://host.example/a/../r.git", /\.\. segments/],
    ["https://host.example/r%ZZ.git", /two hex digits/],
    ["https://host.example", /needs a path/],
    ["https://hóst.example/r.git", /non-ASCII/],
  ])("refuses %s with a RepoInputError", (input, message) => {
    expect(() => parseFetchUrl(input)).toThrow(RepoInputError);
    expect(() => parseFetchUrl(input)).toThrow(message);
  });

  it("never repeats a credential in its message", () => {
    try {
      parseFetchUrl("http://user:hunter2@host.example/repo.git");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(CREDENTIALS_MESSAGE);
      expect((error as Error).message).not.toMatch(/hunter2|user:/);
    }
  });
});
