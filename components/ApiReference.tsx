"use client";

import dynamic from "next/dynamic";
import { useEffect, useRef, useSyncExternalStore } from "react";
import { basePath } from "@/lib/api/base-path";
import "@scalar/api-reference-react/style.css";
import "./api-reference.css";

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

/**
 * Scalar 0.8's markup has ARIA faults that fail WCAG 2 A under axe, with no setting to avoid them,
 * so they are repaired after each render (idempotent, so the observer settles): sidebar buttons
 * carry aria-selected, allowed only on options, tabs and rows (the current one becomes
 * aria-current); the search button and icon-only buttons have no name; a plain button sits in
 * the clients' tablist.
 */
function repairAria(root: HTMLElement): void {
  for (const button of root.querySelectorAll("button[aria-selected]:not([role])")) {
    const current = button.getAttribute("aria-selected") === "true";
    button.removeAttribute("aria-selected");
    if (current) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
  for (const search of root.querySelectorAll('button[role="search"]:not([aria-label])')) search.setAttribute("aria-label", "Search the API reference");
  for (const more of root.querySelectorAll('[role="tablist"] button:not([role])')) more.setAttribute("role", "tab");
  // Icon-only buttons (a disclosure of a schema's properties, a copy button) get a name too.
  for (const button of root.querySelectorAll("button:not([aria-labelledby])")) {
    if (!button.getAttribute("aria-label")?.trim() && !spokenText(button)) button.setAttribute("aria-label", button.hasAttribute("aria-controls") ? "Show or hide the details" : "More actions");
  }
}

/** The text a screen reader would read in `element`: what is not under aria-hidden. */
function spokenText(element: Element): string {
  let text = "";
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement?.closest('[aria-hidden="true"]')) text += node.textContent ?? "";
  }
  return text.trim();
}

/** Kiln's API reference, in the system's light or dark mode like every other page. */
export function ApiReference() {
  const dark = useSyncExternalStore(subscribe, () => window.matchMedia(darkQuery).matches, () => false);
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = container.current;
    if (!root) return;
    repairAria(root);
    const observer = new MutationObserver(() => repairAria(root));
    observer.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-selected", "role", "aria-label", "aria-controls"] });
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={container} data-testid="api-reference" className="overflow-hidden rounded-lg border border-stone-200 dark:border-stone-800">
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
