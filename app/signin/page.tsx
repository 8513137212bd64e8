import type { Metadata } from "next";
import { SignInRedirect } from "./SignInRedirect";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  OAuthCallback: "JupyterHub did not complete the sign-in. Try again; if it keeps failing, ask your Hub admin to check Kiln's service settings.",
  OAuthSignin: "Kiln could not start signing in with JupyterHub. Is the Hub running?",
  Callback: "Kiln could not record your sign-in. The database may be down; try again in a moment.",
  AccessDenied: "JupyterHub refused the sign-in.",
};

/** Only paths inside Kiln are allowed back, never another site. */
function safeCallback(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  return candidate && candidate.startsWith("/") && !candidate.startsWith("//") ? candidate : "/";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const errorCode = typeof params.error === "string" ? params.error : undefined;
  const error = errorCode ? (ERRORS[errorCode] ?? "Signing in failed. Try again.") : undefined;
  return (
    <main id="main" className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4">
      <div className="rounded-xl border border-stone-200 bg-white p-8 shadow-sm dark:border-stone-800 dark:bg-stone-900">
        <h1 className="text-2xl font-semibold tracking-tight">Kiln</h1>
        <SignInRedirect callbackUrl={safeCallback(params.callbackUrl)} error={error} />
      </div>
    </main>
  );
}
