import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { BuildWatcher } from "@/components/BuildWatcher";
import { requireUserForPage } from "@/lib/auth/session";
import { buildView } from "@/lib/builds/server";
import { AppError } from "@/lib/http/errors";
import { entryFor } from "@/lib/library/server";

export const metadata: Metadata = { title: "Build" };

export default async function BuildPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUserForPage(`/builds/${id}`);
  try {
    const build = await buildView(id, user);
    const entry = await entryFor(id, user.name);
    return <BuildWatcher initial={build} entryId={entry?.id ?? null} entryPrivate={entry?.visibility === "private"} />;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) notFound();
    if (error instanceof AppError && error.status === 403) {
      return (
        <section className="rounded-xl border border-red-300 bg-red-50 p-6 dark:border-red-900 dark:bg-red-950">
          <h1 className="text-xl font-semibold">This build is someone else’s</h1>
          <p className="mt-2">{error.userMessage} Start your own from Launch: if it is the same repository, you will share the build.</p>
        </section>
      );
    }
    throw error;
  }
}
