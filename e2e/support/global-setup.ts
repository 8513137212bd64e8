import { stackEnv } from "./stack";

/** Refuses to run against anything but the local stack: the specs sign in and stop services. */
export default async function globalSetup() {
  const { hubUrl } = stackEnv();
  const host = new URL(hubUrl).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    throw new Error(`e2e refuses to run against ${hubUrl}: only a local stack on 127.0.0.1 may be driven by tests`);
  }
  const response = await fetch(`${hubUrl}/services/kiln/api/health`).catch(() => null);
  if (!response?.ok) {
    throw new Error(`Kiln is not healthy at ${hubUrl}/services/kiln/api/health; run scripts/stack-up.sh first`);
  }
}
