"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api/fetch-json";
import { postBuild } from "@/lib/builds/client";
import { rememberLaunchIntent } from "@/lib/builds/launch-intent";
import { linkInSnippet, repositoryInput, splitLaunchLink } from "@/lib/links/links";
import { binderSpec, parseRepository, RepoInputError } from "@/lib/repos/parse";
import { providerLabels } from "@/lib/repos/providers";
import type { ParsedRepo, ProviderHosts } from "@/lib/repos/types";
import type { ExampleRepository } from "@/lib/policy/schema";
import { ShareLinks } from "./ShareLinks";

type Field = "repository" | "ref" | "path";

/** The form's fields from a Binder spec ("Edit and rebuild"); empty when the spec is not one Kiln reads. */
function fieldsFromSpec(spec: string | undefined, hosts: ProviderHosts): { repository: string; ref: string } {
  if (!spec) return { repository: "", ref: "" };
  try {
    const parsed = parseRepository(spec, "", hosts);
    return { repository: repositoryInput(parsed.target, hosts), ref: parsed.ref === "HEAD" ? "" : parsed.ref };
  } catch {
    return { repository: "", ref: "" };
  }
}

export function LaunchForm({ hosts, initialSpec, examples = [] }: { hosts: ProviderHosts; initialSpec?: string; examples?: ExampleRepository[] }) {
  const router = useRouter();
  const ids = { repository: useId(), ref: useId(), path: useId(), hint: useId(), refError: useId(), form: useId(), share: useId() };
  const [initial] = useState(() => fieldsFromSpec(initialSpec, hosts));
  const [repository, setRepository] = useState(initial.repository);
  const [ref, setRef] = useState(initial.ref);
  const [path, setPath] = useState("");
  const [launchAfter, setLaunchAfter] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [filledFromLink, setFilledFromLink] = useState(false);
  // Until the page is interactive the browser would submit the form itself, putting what was
  // typed in the address bar; Build waits for the script instead.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);

  // Recognised as you type, with the same parser the server uses.
  const recognised = useMemo(() => {
    if (!repository.trim()) return null;
    try {
      const parsed: ParsedRepo = parseRepository(repository, ref, hosts);
      return { ok: true as const, parsed, text: `${providerLabels[parsed.target.provider]} · ${parsed.displayName}${parsed.ref ? ` · ${parsed.ref}` : ""}` };
    } catch (error) {
      return { ok: false as const, text: error instanceof RepoInputError ? error.message : "Not recognised." };
    }
  }, [repository, ref, hosts]);

  /** A pasted launch link or badge snippet fills all three fields from it. */
  function changeRepository(value: string) {
    const link = linkInSnippet(value);
    const parts = link ? splitLaunchLink(link) : null;
    if (parts) {
      try {
        const parsed = parseRepository(parts.spec, "", hosts);
        setRepository(repositoryInput(parsed.target, hosts));
        setRef(parsed.ref === "HEAD" ? "" : parsed.ref);
        setPath(parts.openPath);
        setFilledFromLink(true);
        return;
      } catch {
        // Not a link Kiln can read: keep what was typed, and the hint says why.
      }
    }
    setFilledFromLink(false);
    setRepository(value);
  }

  const build = useMutation({
    mutationFn: postBuild,
    onSuccess: (result) => {
      if (launchAfter) rememberLaunchIntent(result.build.id);
      router.push(`/builds/${result.build.id}`);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.fieldErrors.length) {
        setFieldErrors(Object.fromEntries(error.fieldErrors.map((e) => [e.field, e.message])));
      }
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setFieldErrors({});
    if (recognised && !recognised.ok) {
      setFieldErrors({ repository: recognised.text });
      return;
    }
    if (!repository.trim()) {
      setFieldErrors({ repository: "Paste a repository URL, a DOI or a Binder spec." });
      return;
    }
    build.mutate({ repository, ref, path });
  }

  const formError = build.error && !(build.error instanceof ApiError && build.error.fieldErrors.length) ? build.error.message : null;
  const input =
    "mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 font-mono text-sm shadow-sm placeholder:text-stone-500 focus:border-kiln-500 dark:border-stone-700 dark:bg-stone-900 aria-invalid:border-red-500";

  return (
    <form onSubmit={submit} noValidate aria-describedby={formError ? ids.form : undefined} className="space-y-5 rounded-xl border border-stone-200 bg-white p-6 shadow-sm dark:border-stone-800 dark:bg-stone-900">
      <div>
        <label htmlFor={ids.repository} className="block font-medium">
          Repository
        </label>
        <input
          id={ids.repository}
          name="repository"
          value={repository}
          onChange={(e) => changeRepository(e.target.value)}
          placeholder="https://github.com/org/repo, 10.5281/zenodo.123 or gh/org/repo/main"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          aria-invalid={Boolean(fieldErrors.repository)}
          aria-describedby={ids.hint}
          className={input}
        />
        <p id={ids.hint} aria-live="polite" className="mt-1 min-h-5 text-sm" data-testid="repository-hint">
          {fieldErrors.repository ? (
            <span className="text-red-700 dark:text-red-400">{fieldErrors.repository}</span>
          ) : recognised ? (
            <span className={recognised.ok ? "text-emerald-700 dark:text-emerald-400" : "text-stone-600 dark:text-stone-400"}>
              {recognised.ok ? `${filledFromLink ? "Filled in from the launch link. " : ""}Recognised: ${recognised.text}` : recognised.text}
            </span>
          ) : (
            <span className="text-stone-600 dark:text-stone-400">GitHub, GitLab, Gist or any git URL; a Zenodo, Figshare, Dataverse or HydroShare DOI; or a Binder spec.</span>
          )}
        </p>
      </div>
      <div className="grid gap-5 sm:grid-cols-2">
        <div>
          <label htmlFor={ids.ref} className="block font-medium">
            Branch, tag or commit <span className="font-normal text-stone-700 dark:text-stone-300">(optional)</span>
          </label>
          <input
            id={ids.ref}
            name="ref"
            value={ref}
            onChange={(e) => setRef(e.target.value)}
            placeholder="HEAD"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(fieldErrors.ref)}
            aria-describedby={fieldErrors.ref ? ids.refError : undefined}
            className={input}
          />
          {fieldErrors.ref && (
            <p id={ids.refError} className="mt-1 text-sm text-red-700 dark:text-red-400">
              {fieldErrors.ref}
            </p>
          )}
        </div>
        <div>
          <label htmlFor={ids.path} className="block font-medium">
            Open this path <span className="font-normal text-stone-700 dark:text-stone-300">(optional)</span>
          </label>
          <input
            id={ids.path}
            name="path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="notebooks/index.ipynb or /voila/render/app.ipynb"
            autoComplete="off"
            spellCheck={false}
            className={input}
          />
        </div>
      </div>
      {formError && (
        <p id={ids.form} role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {formError}
        </p>
      )}
      {examples.length > 0 && (
        <div className="text-sm" data-testid="example-repositories">
          <p className="font-medium">Or try an example</p>
          <ul className="mt-1 flex flex-wrap gap-2">
            {examples.map((example) => (
              <li key={`${example.repository} ${example.ref}`}>
                <button
                  type="button"
                  onClick={() => {
                    changeRepository(example.repository);
                    setRef(example.ref);
                  }}
                  className="max-w-full break-all rounded-full border border-stone-300 px-3 py-1 text-left font-mono text-xs hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800"
                >
                  {example.repository}
                  {example.ref ? ` @ ${example.ref}` : ""}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={launchAfter} onChange={(e) => setLaunchAfter(e.target.checked)} className="size-4 accent-kiln-600" />
        Launch it when the build is ready
      </label>
      <button
        type="submit"
        disabled={!interactive || build.isPending}
        className="rounded-md bg-kiln-700 px-5 py-2 font-medium text-white hover:bg-kiln-800 disabled:opacity-60"
      >
        {build.isPending ? "Checking the repository…" : "Build"}
      </button>
      {recognised?.ok && (
        <section aria-labelledby={ids.share} className="border-t border-stone-200 pt-5 dark:border-stone-800">
          <h2 id={ids.share} className="mb-1 font-medium">
            Share it: launch link and README badges
          </h2>
          <p className="mb-3 text-sm text-stone-600 dark:text-stone-400">
            Anyone who can sign in to this Hub opens it in their own server, with their own files. A path above opens that file in the repository’s folder.
          </p>
          <ShareLinks spec={binderSpec(recognised.parsed.target, recognised.parsed.ref)} openPath={path.trim()} />
        </section>
      )}
    </form>
  );
}
