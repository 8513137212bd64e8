import type { Metadata } from "next";
import { PageHeading } from "@/components/PageHeading";
import { ServersView } from "@/components/ServersView";

export const metadata: Metadata = { title: "Servers" };

export default function ServersPage() {
  return (
    <>
      <PageHeading title="Servers">The servers JupyterHub runs for you. Stopping one keeps your files.</PageHeading>
      <ServersView />
    </>
  );
}
