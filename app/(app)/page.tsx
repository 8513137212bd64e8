import type { Metadata } from "next";
import { FeaturedImages } from "@/components/FeaturedImages";
import { LaunchForm } from "@/components/LaunchForm";
import { PageHeading } from "@/components/PageHeading";
import { providerHosts } from "@/lib/builds/settings";
import { currentPolicy } from "@/lib/policy/server";

export const metadata: Metadata = { title: "Launch" };

export default async function LaunchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // "Edit and rebuild" on a failed build comes back here with its Binder spec to fill the form.
  const { spec } = await searchParams;
  return (
    <>
      <PageHeading title="Launch">
        Paste a repository and Kiln builds it into a Jupyter environment with repo2docker while you watch. The image stays in your library, private
        until you share it with everyone on this Hub, and every launch opens it with your own home directory, whose files persist across every image.
      </PageHeading>
      <FeaturedImages />
      <LaunchForm hosts={providerHosts()} initialSpec={typeof spec === "string" ? spec.slice(0, 2000) : undefined} examples={(await currentPolicy()).exampleRepositories} />
    </>
  );
}
