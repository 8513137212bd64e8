import type { Metadata } from "next";
import { LibraryView } from "@/components/LibraryView";
import { PageHeading } from "@/components/PageHeading";
import { UsagePanel } from "@/components/UsagePanel";

export const metadata: Metadata = { title: "Library" };

export default async function LibraryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // The Servers page links a server to its repository here, as a search.
  const { q, view } = await searchParams;
  return (
    <>
      <PageHeading title="Library">Your images, and the ones others share with everyone on this Hub.</PageHeading>
      <div className="space-y-6">
        <UsagePanel />
        <LibraryView initialSearch={typeof q === "string" ? q.slice(0, 200) : ""} initialView={view === "shared" ? "shared" : "mine"} />
      </div>
    </>
  );
}
