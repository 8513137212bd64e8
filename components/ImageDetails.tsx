"use client";

import { useState } from "react";

/** The raw image name, for people who need it (an admin, a `docker pull`), out of everyone else's way. */
export function ImageDetails({ imageName }: { imageName: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard.writeText(imageName);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <details className="text-xs" data-testid="image-details">
      <summary className="cursor-pointer text-stone-700 underline-offset-2 hover:underline dark:text-stone-300">Image details</summary>
      <div className="mt-1 flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-stone-100 px-1 dark:bg-stone-800">{imageName}</code>
        <button type="button" onClick={() => void copy()} className="rounded border border-stone-300 px-2 py-0.5 hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800">
          {copied ? "Copied" : "Copy image name"}
        </button>
      </div>
    </details>
  );
}
