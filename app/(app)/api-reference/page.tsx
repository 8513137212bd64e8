import type { Metadata } from "next";
import { ApiReference } from "@/components/ApiReference";
import { PageHeading } from "@/components/PageHeading";
import { basePath } from "@/lib/api/base-path";

export const metadata: Metadata = { title: "API reference" };

export default function ApiReferencePage() {
  return (
    <>
      <PageHeading title="API reference">
        Everything the pages do, as an API. Call it with a JupyterHub API token (<code>Authorization: token …</code>) made on the Hub&apos;s
        Token page. The same description as an <a className="underline" href={`${basePath}/api/openapi.json`}>OpenAPI 3.1 document</a>.
      </PageHeading>
      <ApiReference />
    </>
  );
}
