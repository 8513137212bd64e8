"use client";

import { signIn } from "next-auth/react";
import { useEffect, useRef } from "react";

/** Sends the visitor straight on to the Hub's login unless the last attempt failed. */
export function SignInRedirect({ callbackUrl, error }: { callbackUrl: string; error?: string }) {
  const started = useRef(false);
  useEffect(() => {
    if (error || started.current) return;
    started.current = true;
    void signIn("jupyterhub", { callbackUrl });
  }, [callbackUrl, error]);

  return (
    <div className="mt-4 space-y-4">
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      ) : (
        <p role="status" aria-live="polite" className="text-stone-600 dark:text-stone-400">
          Taking you to your JupyterHub to sign in…
        </p>
      )}
      <button
        type="button"
        onClick={() => void signIn("jupyterhub", { callbackUrl })}
        className="w-full rounded-md bg-kiln-600 px-4 py-2 font-medium text-white hover:bg-kiln-700"
      >
        Sign in with JupyterHub
      </button>
    </div>
  );
}
