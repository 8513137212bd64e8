"use client";

import dynamic from "next/dynamic";
import { useSyncExternalStore } from "react";
import { basePath } from "@/lib/api/base-path";
import "@scalar/api-reference-react/style.css";

// Scalar's renderer, bundled: no CDN, no fonts, no telemetry and no "Ask AI" agent (each would
// call Scalar's services). It reads Kiln's OpenAPI document and touches window, so it renders in
// the browser only.
const ApiReferenceReact = dynamic(() => import("@scalar/api-reference-react").then((module) => module.ApiReferenceReact), {
  ssr: false,
  loading: () => <p className="text-sm text-stone-600 dark:text-stone-300">Loading the API reference…</p>,
});

const darkQuery = "(prefers-color-scheme: dark)";
const subscribe = (onChange: () => void) => {
  const media = window.matchMedia(darkQuery);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
};

/** Kiln's API reference, in the system's light or dark mode like every other page. */
export function ApiReference() {
  const dark = useSyncExternalStore(subscribe, () => window.matchMedia(darkQuery).matches, () => false);
  return (
    <div data-testid="api-reference" className="overflow-hidden rounded-lg border border-stone-200 dark:border-stone-800">
      <ApiReferenceReact
        configuration={{
          url: `${basePath}/api/openapi.json`,
          withDefaultFonts: false,
          telemetry: false,
          showDeveloperTools: "never",
          hideClientButton: true,
          hideTestRequestButton: true,
          hideDarkModeToggle: true,
          forceDarkModeState: dark ? "dark" : "light",
          documentDownloadType: "json",
          showSidebar: true,
          agent: { disabled: true },
        }}
      />
    </div>
  );
}
