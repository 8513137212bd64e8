import { describe, expect, it } from "vitest";
import { isTransientPushError } from "./images";

describe("isTransientPushError", () => {
  it("tries again after a registry hiccup: the gate's 502 mid-upload, a cut connection, a timeout", () => {
    for (const message of [
      // Podman's words for the registry gate's 502 in the middle of a chunked layer upload (seen in e2e runs).
      "writing blob: uploading layer chunked: received unexpected HTTP status: 502 Bad Gateway",
      "received unexpected HTTP status: 503 Service Unavailable",
      "writing blob: Patch \"http://127.0.0.1:5000/v2/x/blobs/uploads/1\": write unix ->/run/registry.sock: write: broken pipe",
      "Put \"http://127.0.0.1:5000/v2/x/manifests/1\": read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer",
      "Patch \"http://127.0.0.1:5000/v2/x/blobs/uploads/1\": unexpected EOF",
      "dial tcp 127.0.0.1:5000: i/o timeout",
    ]) {
      expect(isTransientPushError(message), message).toBe(true);
    }
  });

  it("fails at once when trying again cannot help: refused credentials, a missing image, anything unknown", () => {
    for (const message of [
      "unauthorized: authentication required",
      "requested access to the resource is denied",
      "received unexpected HTTP status: 403 Forbidden",
      "no such image: 127.0.0.1:5000/kiln-x:1",
      "127.0.0.1:5000/kiln-x:1: image not known",
      "invalid reference format",
    ]) {
      expect(isTransientPushError(message), message).toBe(false);
    }
  });
});
