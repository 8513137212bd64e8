import { operations } from "@/lib/api/operations";
import { route } from "@/lib/http/route";
import { providerHosts } from "@/lib/builds/settings";

// repo2docker asks this list (R2D_DATAVERSE_INSTALLATIONS_URL) which hosts are Dataverses, so
// the builder knows exactly the installations Kiln is configured for.
export const GET = route(operations.dataverseInstallations, async () => ({
  installations: providerHosts().dataverse.map((url) => ({ name: new URL(url).host, hostname: new URL(url).host })),
}));
