import type { Metadata } from "next";
import { LibraryView } from "@/components/LibraryView";
import { PageHeading } from "@/components/PageHeading";
import { UsagePanel } from "@/components/UsagePanel";

export const metadata: Metadata = { title: "Library" };

export default function LibraryPage() {
  return (
    <>
      <PageHeading title="Library">Your images, and the ones others share with everyone on this Hub.</PageHeading>
      <div className="space-y-6">
        <UsagePanel />
        <LibraryView />
      </div>
    </>
  );
}
