"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";

/** Ends Kiln's session, then the Hub's, so the next visit asks for a password again. */
export function SignOutButton({ hubLogoutUrl }: { hubLogoutUrl: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signOut({ callbackUrl: hubLogoutUrl });
      }}
      className="rounded-md border border-stone-300 px-3 py-1.5 font-medium hover:bg-stone-100 disabled:opacity-60 dark:border-stone-700 dark:hover:bg-stone-800"
    >
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
