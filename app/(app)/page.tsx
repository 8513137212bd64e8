import type { Metadata } from "next";
import { FeaturedImages } from "@/components/FeaturedImages";
import { LaunchForm } from "@/components/LaunchForm";
import { PageHeading } from "@/components/PageHeading";
import { providerHosts } from "@/lib/builds/settings";

export const metadata: Metadata = { title: "Launch" };

export default function LaunchPage() {
  return (
    <>
      <PageHeading title="Launch">
        Paste a repository and Kiln builds it into a Jupyter environment with repo2docker. You can watch the build as it happens.
      </PageHeading>
      <FeaturedImages />
      <LaunchForm hosts={providerHosts()} />
    </>
  );
}
