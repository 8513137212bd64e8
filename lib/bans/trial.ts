import "server-only";
import { providerHosts } from "@/lib/builds/settings";
import { badRequest } from "@/lib/http/errors";
import { binderSpec, parseRepository, RepoInputError } from "@/lib/repos/parse";
import { repositoryInput } from "@/lib/links/links";
import { repositoryForms, specForms, targetHost, type BanSubject, type RuleLike } from "./rules";
import type { BanTestResult } from "./schema";
import { testBanRules } from "./server";

/**
 * "Would this be refused?" for the rule editor: the repository is recognised as the Launch form
 * recognises it (no network call), then every saved rule and the draft are tried on it.
 */
export async function testBans(input: { repository: string; user: string; draft?: RuleLike }): Promise<BanTestResult> {
  let spec: string | null = null;
  let host: string | null = null;
  let forms: string[] = [];
  if (input.repository) {
    try {
      const parsed = parseRepository(input.repository, "", providerHosts());
      spec = binderSpec(parsed.target, parsed.ref);
      host = targetHost(parsed.target, providerHosts());
      forms = [...specForms(spec), ...repositoryForms([repositoryInput(parsed.target, providerHosts())], providerHosts().gist)];
    } catch (error) {
      if (error instanceof RepoInputError) throw badRequest(error.message, [{ field: "repository", message: error.message }]);
      throw error;
    }
  }
  const subject: BanSubject = { specs: forms, host, user: input.user || null };
  return { spec, host, matches: await testBanRules(subject, input.draft) };
}
