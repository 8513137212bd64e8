"use client";

import { createContext, useContext, useId, useState, type ReactNode } from "react";
import { badgeSnippets, launchLink, persistentSpec } from "@/lib/links/links";
import { parseLinkSpec } from "@/lib/repos/parse";

// Launch links and README badges for a repository, with copy buttons, as mybinder.org's form
// offers them. Kiln's public URL and badge label come from the server through ShareConfig.

interface ShareConfig {
  /** Kiln's URL as browsers reach it, without a trailing slash. */
  kilnUrl: string;
  badgeLabel: string;
}

const ShareConfigContext = createContext<ShareConfig | null>(null);

export function ShareConfigProvider({ value, children }: { value: ShareConfig; children: ReactNode }) {
  return <ShareConfigContext.Provider value={value}>{children}</ShareConfigContext.Provider>;
}

interface ShareLinksProps {
  /** The spec that follows the requested branch or tag. */
  spec: string;
  /** The spec of exactly the version built, when there is one to offer. */
  exactSpec?: string;
  /** The ref the link follows and the version it would pin, for the choice's labels. */
  requestedRef?: string;
  exactRef?: string;
  openPath?: string;
  /** The entry is private: visitors get their own build of the repository, not this entry. */
  isPrivate?: boolean;
}

export function ShareLinks({ spec, exactSpec, requestedRef, exactRef, openPath = "", isPrivate = false }: ShareLinksProps) {
  const config = useContext(ShareConfigContext);
  const [pinned, setPinned] = useState(false);
  const name = useId();
  if (!config) return null;
  const chosen = pinned && exactSpec ? exactSpec : spec;
  const link = launchLink(config.kilnUrl, chosen, openPath);
  const snippets = badgeSnippets(config.kilnUrl, link, config.badgeLabel);
  return (
    <div className="space-y-3 text-sm" data-testid="share-links">
      {exactSpec && exactSpec !== spec && (
        <fieldset className="flex flex-wrap gap-x-5 gap-y-1">
          <legend className="sr-only">What the link opens</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name={name} checked={!pinned} onChange={() => setPinned(false)} className="accent-kiln-600" />
            The latest of {requestedRef ? <code>{requestedRef}</code> : "the repository"}
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name={name} checked={pinned} onChange={() => setPinned(true)} className="accent-kiln-600" />
            Exactly this version{exactRef ? <code>{exactRef.slice(0, 12)}</code> : null}
          </label>
        </fieldset>
      )}
      {isPrivate && (
        <p className="text-stone-600 dark:text-stone-400">
          This entry is private. People who open the link build (or reuse) the same repository under their own account; they do not see your entry.
        </p>
      )}
      <p className="flex items-center gap-2 text-stone-600 dark:text-stone-400">
        <img src={`${config.kilnUrl}/badge_logo.svg`} alt="" height={20} className="h-5 w-auto" /> is how the badge looks in a README.
      </p>
      <CopyField label="Launch link" value={link} />
      <CopyField label="Markdown badge" value={snippets.markdown} multiline />
      <CopyField label="reStructuredText badge" value={snippets.rst} multiline />
      <CopyField label="HTML badge" value={snippets.html} multiline />
    </div>
  );
}

function CopyField({ label, value, multiline = false }: { label: string; value: string; multiline?: boolean }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const field = "block w-full rounded-md border border-stone-300 bg-stone-50 px-2 py-1 font-mono text-xs dark:border-stone-700 dark:bg-stone-950";
  async function copy() {
    await navigator.clipboard.writeText(value);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <div>
      <div className="flex items-center justify-between gap-2">
        <label htmlFor={id} className="font-medium">
          {label}
        </label>
        <button type="button" onClick={() => void copy()} className="rounded border border-stone-300 px-2 py-0.5 text-xs hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800" aria-label={`Copy ${label}`}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      {multiline ? (
        <textarea
          id={id}
          readOnly
          value={value}
          // Enough rows for the wrapped text at the field's usual width (about 70 characters).
          rows={Math.min(6, value.split("\n").reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / 70)), 0))}
          className={`${field} mt-1 resize-y`}
          onFocus={(e) => e.currentTarget.select()}
        />
      ) : (
        <input id={id} readOnly value={value} className={`${field} mt-1`} onFocus={(e) => e.currentTarget.select()} />
      )}
    </div>
  );
}

/**
 * "Share" for something already built (the build page, a library entry): the link may follow
 * the requested branch or pin exactly the version built.
 */
export function ShareDisclosure({ spec, requestedRef, resolvedRef, openPath, isPrivate }: { spec: string; requestedRef: string; resolvedRef: string; openPath?: string; isPrivate?: boolean }) {
  let exactSpec: string | undefined;
  try {
    exactSpec = persistentSpec(parseLinkSpec(spec).target, resolvedRef);
  } catch {
    // A spec recorded before links were parsed strictly: offer the link it has.
  }
  return (
    <details className="text-sm sm:relative" data-testid="share">
      <summary className="cursor-pointer select-none list-none rounded-md border border-stone-300 px-3 py-1.5 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800">Share</summary>
      {/* A popover under the button on wide screens, so opening it moves nothing; in the flow on phones. */}
      <div className="mt-2 w-[min(36rem,calc(100vw-2rem))] rounded-lg border border-stone-200 bg-white p-4 text-left shadow-lg sm:absolute sm:right-0 sm:z-20 dark:border-stone-800 dark:bg-stone-900">
        <ShareLinks spec={spec} exactSpec={exactSpec} requestedRef={requestedRef} exactRef={resolvedRef} openPath={openPath} isPrivate={isPrivate} />
      </div>
    </details>
  );
}
