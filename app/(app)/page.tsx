import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/EmptyState";
import { PageHeading } from "@/components/PageHeading";

export const metadata: Metadata = { title: "Launch" };

export default function LaunchPage() {
  return (
    <>
      <PageHeading title="Launch">
        Turn a repository into a Jupyter environment on this Hub, with your home directory in every one.
      </PageHeading>
      <EmptyState
        title="Building from a repository is on its way"
        action={
          <Link href="/library" className="font-medium text-kiln-600 underline-offset-4 hover:underline dark:text-kiln-500">
            Visit your library
          </Link>
        }
      >
        <p>
          Soon you will paste a GitHub, GitLab or Git URL, or a Zenodo or Figshare DOI, here and watch repo2docker build it
          live. Every build lands in your library, ready to launch again.
        </p>
      </EmptyState>
    </>
  );
}
