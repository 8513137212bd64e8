import type { NextConfig } from "next";

// The Hub's proxy forwards /services/kiln/... without stripping the prefix, so the prefix is
// Next's basePath. It is fixed when the app is built, hence read here and not in lib/env.ts.
const servicePrefix = (process.env.JUPYTERHUB_SERVICE_PREFIX ?? "/services/kiln/").replace(/\/+$/, "");

const config: NextConfig = {
  basePath: servicePrefix,
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: ["dockerode", "ssh2", "cpu-features", "pg"],
  env: { NEXT_PUBLIC_BASE_PATH: servicePrefix },
};

export default config;
