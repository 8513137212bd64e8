import type { Metadata } from "next";
import { FeaturedImages } from "@/components/FeaturedImages";
import { LaunchForm } from "@/components/LaunchForm";
import { PageHeading } from "@/components/PageHeading";
import { providerHosts } from "@/lib/builds/settings";

export const metadata: Metadata = { title: "Launch" };

export default async function LaunchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // "Edit and rebuild" on a failed build comes back here with its Binder spec to fill the form.
  const { spec } = await searchParams;
  return (
    <>
      <PageHeading title="Launch">
        Paste a repository and Kiln builds it into a Jupyter environment with repo2docker. You can watch the build as it happens.
      </PageHeading>
      <FeaturedImages />
      <LaunchForm hosts={providerHosts()} initialSpec={typeof spec === "string" ? spec.slice(0, 2000) : undefined} />
    </>
  );
}
