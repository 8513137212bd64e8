import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/EmptyState";
import { PageHeading } from "@/components/PageHeading";

export const metadata: Metadata = { title: "Library" };

export default function LibraryPage() {
  return (
    <>
      <PageHeading title="Library">Your images, and the ones others share with everyone on this Hub.</PageHeading>
      <EmptyState
        title="Your library is empty"
        action={
          <Link
            href="/"
            className="inline-block rounded-md bg-kiln-600 px-4 py-2 font-medium text-white hover:bg-kiln-700"
          >
            Build your first environment
          </Link>
        }
      >
        <p>Build a repository from Launch and its image appears here, ready to launch with your files.</p>
      </EmptyState>
    </>
  );
}
