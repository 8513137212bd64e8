import "server-only";
import { log } from "@/lib/log";
import { AppError, badRequest, unavailable } from "@/lib/http/errors";
import type { KilnUser } from "@/lib/auth/identity";
import { db } from "@/lib/db";
import { enginePing } from "@/lib/engine/client";
import { imageInfo } from "@/lib/engine/images";
import { registryHasImage } from "@/lib/engine/registry";
import { binderSpec, buildSlug, parseLinkSpec, parseRepository, RepoInputError } from "@/lib/repos/parse";
import { resolveRepo, ResolveError, type ResolvedRepo } from "@/lib/repos/resolve";
import { UnsafeUrlError } from "@/lib/repos/safety";
import type { LaunchRequest, ParsedRepo } from "@/lib/repos/types";
import { audit, auditRefusal } from "@/lib/audit/server";
import { assertNotBanned } from "@/lib/bans/server";
import { repositoryForms, repositoryHost, specForms, targetHost } from "@/lib/bans/rules";
import { repositoryInput } from "@/lib/links/links";
import { assertMayAddToLibrary, assertMayStartBuild, lockUserQuotas } from "@/lib/quotas/server";
import { imageName } from "./naming";
import { buildSettings, providerConfig, providerHosts, safetyRules } from "./settings";
import { assertMayQueue, findBuild, insertFirstLine, wakeScheduler, type BuildWithRequester } from "./store";
import { activeStatuses } from "./status";

const fieldError = (field: "repository" | "ref", message: string) => badRequest(message, [{ field, message }]);

/**
 * Parses, checks and resolves what the user pasted, or a launch link's spec (`input.link`); every
 * failure names the field to fix. A GitHub link to master or main that no longer resolves is
 * retried with the default branch, as BinderHub does for links made before GitHub's rename.
 */
export async function resolveRequest(
  input: LaunchRequest,
  beforeResolving?: (parsed: ParsedRepo) => Promise<void>,
): Promise<{ parsed: ParsedRepo; resolved: ResolvedRepo; notice?: string }> {
  let parsed: ParsedRepo;
  try {
    parsed = input.link ? parseLinkSpec(input.repository) : parseRepository(input.repository, input.ref, providerHosts());
  } catch (error) {
    if (error instanceof RepoInputError) throw fieldError(error.field, error.message);
    throw error;
  }
  await beforeResolving?.(parsed);
  try {
    // Checks every address before Kiln or the builder connects, and pins the builder to them.
    const resolve = (repo: ParsedRepo) => resolveRepo(repo, providerConfig(), { rules: safetyRules() });
    try {
      return { parsed, resolved: await resolve(parsed) };
    } catch (error) {
      const oldDefault = parsed.target.provider === "github" && (parsed.ref === "master" || parsed.ref === "main");
      if (!input.link || !oldDefault || !(error instanceof ResolveError) || error.field !== "ref") throw error;
      const headParsed = { ...parsed, ref: "HEAD" };
      const notice = `${parsed.displayName} has no branch “${parsed.ref}”, so Kiln used its default branch (HEAD). Update the link to end in /HEAD.`;
      return { parsed: headParsed, resolved: await resolve(headParsed), notice };
    }
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw fieldError("repository", error.message);
    if (error instanceof RepoInputError) throw fieldError(error.field, error.message);
    if (error instanceof ResolveError) {
      if (error.unavailable) throw unavailable("provider", error.message, error);
      throw fieldError(error.field, error.message);
    }
    throw error;
  }
}

export type BuildOutcome = "queued" | "joined" | "ready";

/**
 * Finds or starts the build of this repository at this version. Requests for the same image
 * share one build row; an image already in the engine (or registry) needs no build at all.
 */
export interface BuildRequestResult {
  outcome: BuildOutcome;
  build: BuildWithRequester;
  /** The requester's library entry for the build. */
  entryId: number;
  /** Something the requester should know (a link's ref was replaced). */
  notice?: string;
}

/** The tail of each image's queue of requests in this process. */
const imageQueues = new Map<string, Promise<unknown>>();

/**
 * Runs requests for the same image one after another within this process, before each takes a
 * pooled connection: ten people asking for one repository at once would otherwise hold ten
 * connections waiting on its advisory lock, and starve the builds' writes. (A keyed promise
 * chain: a few lines, where a mutex library would add a dependency for the same.)
 */
async function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = imageQueues.get(key) ?? Promise.resolve();
  const run = before.then(work, work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  imageQueues.set(key, tail);
  void tail.then(() => imageQueues.get(key) === tail && imageQueues.delete(key));
  return run;
}

export async function requestBuild(user: KilnUser, input: LaunchRequest): Promise<BuildRequestResult> {
  // Looking a repository up can take a slow (or hostile) server half a minute: a person has at
  // most a couple of lookups under way in this process at once.
  const inFlight = lookupsInFlight.get(user.name) ?? 0;
  if (inFlight >= LOOKUPS_PER_USER) {
    throw new AppError("too_many_lookups", 429, "Kiln is still looking up the repositories you asked for a moment ago. Wait for them, then try again.");
  }
  lookupsInFlight.set(user.name, inFlight + 1);
  try {
    return await requestBuildNow(user, input);
  } finally {
    const left = (lookupsInFlight.get(user.name) ?? 1) - 1;
    if (left > 0) lookupsInFlight.set(user.name, left);
    else lookupsInFlight.delete(user.name);
  }
}

const LOOKUPS_PER_USER = 2;
const lookupsInFlight = new Map<string, number>();

async function requestBuildNow(user: KilnUser, input: LaunchRequest): Promise<BuildRequestResult> {
  try {
    return await requestAllowedBuild(user, input);
  } catch (error) {
    // Refusals on purpose (a ban, a quota) are recorded; a bad URL or a down engine is not news.
    if (error instanceof AppError && (error.code === "banned" || error.code === "quota_exceeded")) {
      await auditRefusal({ actor: user.name, action: "build.request", target: input.repository.slice(0, 300), reason: error.userMessage, details: { code: error.code, ref: input.ref } });
    }
    throw error;
  }
}

async function requestAllowedBuild(user: KilnUser, input: LaunchRequest): Promise<BuildRequestResult> {
  // Where a slow request spent its time, logged when it took long (the lookup, the queue for the
  // image, the engine): the trail when someone reports that Build hung.
  const started = performance.now();
  const phases: string[] = [];
  const mark = (phase: string) => phases.push(`${phase} ${Math.round(performance.now() - started)} ms`);
  try {
    return await requestAllowedBuildTimed(user, input, mark);
  } finally {
    if (performance.now() - started >= 5000) log.warn(`slow build request for ${input.repository.slice(0, 200)}: ${phases.join(", ")}; done ${Math.round(performance.now() - started)} ms`);
  }
}

async function requestAllowedBuildTimed(user: KilnUser, input: LaunchRequest, mark: (phase: string) => void): Promise<BuildRequestResult> {
  // A banned repository (or person) is refused before Kiln contacts its host, and again with
  // the resolved version and the host it resolved to.
  const hosts = providerHosts();
  const { parsed, resolved, notice } = await resolveRequest(input, (repo) =>
    assertNotBanned(
      { specs: [...specForms(binderSpec(repo.target, repo.ref)), ...repositoryForms([repositoryInput(repo.target, hosts)], hosts.gist)], host: targetHost(repo.target, hosts), user: user.name },
      "build",
      repo.displayName,
    ),
  );
  await assertNotBanned(
    {
      specs: [
        ...specForms(binderSpec(parsed.target, parsed.ref), binderSpec(parsed.target, resolved.resolvedRef)),
        ...repositoryForms([repositoryInput(parsed.target, hosts), resolved.repoUrl], hosts.gist),
      ],
      host: repositoryHost(resolved.repoUrl),
      user: user.name,
    },
    "build",
    parsed.displayName,
  );
  mark("resolved");
  const settings = buildSettings();
  let name: string;
  try {
    name = imageName(settings.imagePrefix, buildSlug(parsed.target, resolved.resolvedRef), resolved.resolvedRef);
  } catch (error) {
    // A provider answered with a version no image tag can hold (BinderHub would fail later).
    throw new AppError("unusable_version", 502, `${parsed.displayName} answered with a version Kiln cannot name an image after (“${resolved.resolvedRef.slice(0, 80)}”). Tell your Hub admin.`, { cause: error });
  }

  const { outcome, buildId, entryId } = await oneAtATime(name, () => db().$transaction(async (tx) => {
    // One request at a time per image, across every Kiln replica; deleting an image takes the
    // same lock, so whether the image is there is asked under it.
    mark("in transaction");
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${name}))`;
    mark("locked");
    // Refuses before writing anything when the engine is down: nothing half-recorded.
    const { present, sizeBytes: presentSize } = await imagePresent(name, settings.push);
    mark("engine asked");
    const requester = await tx.user.upsert({ where: { name: user.name }, create: { name: user.name }, update: {}, select: { id: true } });
    // Everything below that counts against the person's quotas happens under their lock.
    await lockUserQuotas(tx, requester.id);
    const join = async (outcome: BuildOutcome, buildId: string) => {
      const existing = await tx.libraryEntry.findUnique({ where: { buildId_userId: { buildId, userId: requester.id } }, select: { id: true } });
      if (!existing) {
        // A version the clean-up removed comes back as this build: the old entry gives way.
        await tx.libraryEntry.deleteMany({ where: { userId: requester.id, cleanedAt: { not: null }, build: { imageName: name } } });
        await assertMayAddToLibrary(tx, user, requester.id);
      }
      await audit(tx, { actor: user.name, action: "build.request", target: `${parsed.displayName} @ ${parsed.ref || "latest"}`, details: { outcome, buildId, image: name, spec: binderSpec(parsed.target, parsed.ref) } });
      const entry = await tx.libraryEntry.upsert({
        where: { buildId_userId: { buildId, userId: requester.id } },
        create: { buildId, userId: requester.id, path: input.path },
        update: {},
        select: { id: true },
      });
      return { outcome, buildId, entryId: entry.id };
    };

    const active = await tx.build.findFirst({ where: { imageName: name, status: { in: [...activeStatuses] } }, select: { id: true } });
    if (active) return join("joined", active.id);

    const fields = {
      provider: parsed.target.provider,
      repoUrl: resolved.repoUrl,
      spec: binderSpec(parsed.target, parsed.ref),
      displayName: parsed.displayName,
      requestedRef: parsed.ref || "latest",
      resolvedRef: resolved.resolvedRef,
      fetchPins: resolved.fetchPins,
      imageName: name,
      builderImage: settings.builderImage,
      requestedById: requester.id,
    };
    if (present) {
      const built = await tx.build.findFirst({ where: { imageName: name, status: "built" }, orderBy: { finishedAt: "desc" }, select: { id: true } });
      if (built) return join("ready", built.id);
      // Built outside Kiln, or its record was deleted: record it as built without building.
      const now = new Date();
      const created = await tx.build.create({
        data: {
          ...fields,
          status: "built",
          startedAt: now,
          finishedAt: now,
          logLines: 1,
          ...(presentSize !== undefined ? { imageSizeBytes: BigInt(presentSize) } : {}),
        },
        select: { id: true },
      });
      await insertFirstLine(tx, created.id, `${name} is already in the ${settings.push ? "registry" : "engine"}; nothing to build.`);
      return join("ready", created.id);
    }
    // A new build: at most a few waiting per person, so nobody can fill the queue.
    await assertMayQueue(requester.id, tx);
    await assertMayStartBuild(tx, user, requester.id);
    const created = await tx.build.create({ data: fields, select: { id: true } });
    return join("queued", created.id);
  }, { timeout: 30_000 }));

  mark("committed");
  if (outcome === "queued") await wakeScheduler(buildId);
  const build = await findBuild(buildId);
  if (!build) throw new AppError("build_vanished", 500, "The build was removed while it was being recorded. Try again.");
  return { outcome, build, entryId, ...(notice ? { notice } : {}) };
}

/** Whether the image exists in the engine (with its size) or, when pushing, in the registry. */
async function imagePresent(name: string, useRegistry: boolean): Promise<{ present: boolean; sizeBytes?: number }> {
  try {
    await enginePing(5000);
    const info = await imageInfo(name);
    if (info) return { present: true, sizeBytes: info.sizeBytes };
  } catch (error) {
    throw unavailable(
      "engine",
      "The container engine is not answering, so nothing was queued. Try again in a minute; if it persists, tell your Hub admin.",
      error,
    );
  }
  if (!useRegistry) return { present: false };
  try {
    return { present: await registryHasImage(name) };
  } catch (error) {
    throw unavailable("registry", "The image registry is not answering, so nothing was queued. Try again in a minute.", error);
  }
}
