import type { NextConfig } from "next";

// The Hub's proxy forwards /services/kiln/... without stripping the prefix, so the prefix is
// Next's basePath. It is fixed when the app is built, hence read here and not in lib/env.ts.
const servicePrefix = (process.env.JUPYTERHUB_SERVICE_PREFIX ?? "/services/kiln/").replace(/\/+$/, "");

// Next's App Router inlines its bootstrap scripts, hence 'unsafe-inline' for scripts (nonces
// would make every page dynamic); nothing may frame Kiln, and it talks to its own origin only.
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const config: NextConfig = {
  basePath: servicePrefix,
  reactStrictMode: true,
  poweredByHeader: false,
  // proxy.ts answers trailing slashes itself: an API path ending in "/" is a 404 (an empty id),
  // not a redirect to its parent, where the same method may mean something else.
  skipTrailingSlashRedirect: true,
  serverExternalPackages: ["dockerode", "ssh2", "cpu-features", "pg", "@kubernetes/client-node"],
  env: { NEXT_PUBLIC_BASE_PATH: servicePrefix },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default config;
