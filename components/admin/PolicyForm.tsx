"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { adminKeys, fetchPolicy, putPolicy } from "@/lib/admin/queries";
import type { Policy } from "@/lib/policy/schema";
import { quotaKeys, quotaLabels, type QuotaKey } from "@/lib/policy/quotas";
import { buttonClass, inputClass, Notice, Panel, quietButtonClass } from "./ui";

const GiB = 1024 ** 3;

/** A limit as typed: a number (GiB for storage), or blank. */
const shown = (key: QuotaKey, value: number | null | undefined): string =>
  value === undefined ? "" : value === null ? "none" : quotaLabels[key].unit === "bytes" ? String(+(value / GiB).toFixed(2)) : String(value);

function parsed(key: QuotaKey, text: string): number | null | undefined | "invalid" {
  const value = text.trim().toLowerCase();
  if (value === "") return undefined;
  if (value === "none") return null;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) return "invalid";
  return quotaLabels[key].unit === "bytes" ? Math.round(number * GiB) : Number.isInteger(number) ? number : "invalid";
}

/** Approval mode, quotas (defaults and per-group overrides), the clean-up and the audit retention. */
export function PolicyForm() {
  const policy = useQuery({ queryKey: adminKeys.policy(), queryFn: fetchPolicy });
  if (policy.isPending) return <p className="text-sm">Loading the policy…</p>;
  if (policy.isError) return <p role="alert" className="text-red-700 dark:text-red-400">{policy.error.message}</p>;
  return <PolicyEditor saved={policy.data} />;
}

type Texts = Record<QuotaKey, string>;
const textsOf = (limits: Partial<Record<QuotaKey, number | null>>, blankIsNone: boolean): Texts =>
  Object.fromEntries(quotaKeys.map((k) => [k, limits[k] === null && blankIsNone ? "" : shown(k, limits[k])])) as Texts;

function PolicyEditor({ saved }: { saved: Policy }) {
  const client = useQueryClient();
  const [approvalMode, setApprovalMode] = useState(saved.approvalMode);
  const [defaults, setDefaults] = useState<Texts>(textsOf(saved.quotas.defaults, true));
  const [groups, setGroups] = useState<{ name: string; limits: Texts }[]>(Object.entries(saved.quotas.groups).map(([name, limits]) => ({ name, limits: textsOf(limits, false) })));
  const [repoLimit, setRepoLimit] = useState(saved.repoConcurrentLaunches === null ? "" : String(saved.repoConcurrentLaunches));
  const [cleanupEnabled, setCleanupEnabled] = useState(saved.cleanup.enabled);
  const [unusedDays, setUnusedDays] = useState(String(saved.cleanup.unusedDays));
  const [retention, setRetention] = useState(String(saved.auditRetentionDays));
  const [examples, setExamples] = useState(saved.exampleRepositories.map((example) => `${example.repository}${example.ref ? ` ${example.ref}` : ""}`).join("\n"));
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);

  const save = useMutation({
    mutationFn: async () => {
      const problems: string[] = [];
      const limitsFrom = (texts: Texts, where: string, blankIsNone: boolean) => {
        const out: Partial<Record<QuotaKey, number | null>> = {};
        for (const key of quotaKeys) {
          const value = parsed(key, texts[key]);
          if (value === "invalid") problems.push(`${where}: ${quotaLabels[key].name} must be a whole number${quotaLabels[key].unit === "bytes" ? " of GiB" : ""}, or “none”`);
          else if (value === undefined) {
            if (blankIsNone) out[key] = null;
          } else out[key] = value;
        }
        return out;
      };
      const next: Policy = {
        approvalMode,
        quotas: {
          defaults: limitsFrom(defaults, "Defaults", true) as Policy["quotas"]["defaults"],
          groups: Object.fromEntries(groups.filter((g) => g.name.trim()).map((g) => [g.name.trim(), limitsFrom(g.limits, `Group ${g.name}`, false)])),
        },
        repoConcurrentLaunches: repoLimit.trim() === "" ? null : Number(repoLimit),
        cleanup: { enabled: cleanupEnabled, unusedDays: Number(unusedDays) },
        auditRetentionDays: Number(retention),
        exampleRepositories: examples
          .split("\n")
          .map((line) => line.trim().split(/\s+/))
          .filter(([repository]) => repository)
          .map(([repository, ref = "", ...rest]) => {
            if (rest.length) problems.push(`Example repositories: “${repository} ${ref} ${rest.join(" ")}” has more than a repository and a branch`);
            return { repository: repository!, ref };
          }),
      };
      if (problems.length) throw new Error(problems.join(". "));
      return putPolicy(next, reason);
    },
    onSuccess: (policy) => {
      client.setQueryData(adminKeys.policy(), policy);
      setReason("");
      setNotice({ text: "Saved. The new rules apply to the next request." });
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });

  const limitInputs = (texts: Texts, onChange: (key: QuotaKey, value: string) => void, prefix: string, placeholder: string) => (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {quotaKeys.map((key) => (
        <label key={key} className="text-sm">
          <span className="block first-letter:uppercase">{quotaLabels[key].name}{quotaLabels[key].unit === "bytes" ? " (GiB)" : ""}</span>
          <input aria-label={`${prefix}: ${quotaLabels[key].name}`} className={`${inputClass} w-full`} inputMode="decimal" value={texts[key]} placeholder={placeholder} onChange={(e) => onChange(key, e.target.value)} />
        </label>
      ))}
    </div>
  );

  return (
    <form
      className="space-y-6"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Panel title="Sharing">
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" checked={approvalMode} onChange={(e) => setApprovalMode(e.target.checked)} className="mt-1" />
          <span>
            <span className="font-medium">Approval mode.</span> Images people share wait for a moderator’s approval (under Shared images) before anyone else can see or launch them. Moderators’ own shares need none.
          </span>
        </label>
      </Panel>
      <Panel title="Quotas">
        <p className="mb-3 text-sm text-stone-600 dark:text-stone-400">Blank means no limit. Each limit is checked at the moment it matters, and a refusal says which limit, the use and what frees it.</p>
        {limitInputs(defaults, (key, value) => setDefaults({ ...defaults, [key]: value }), "Default", "no limit")}
        <label className="mt-4 block text-sm">
          <span className="block">Servers running one repository at once, across everyone (blank: no limit)</span>
          <input aria-label="Servers per repository" className={`${inputClass} w-32`} inputMode="numeric" value={repoLimit} onChange={(e) => setRepoLimit(e.target.value)} />
        </label>
        <h3 className="mt-6 font-medium">Hub group overrides</h3>
        <p className="mb-2 text-sm text-stone-600 dark:text-stone-400">Members of a Hub group get its limits instead of the defaults; blank keeps the default, “none” lifts the limit. In several groups, the most generous limit wins.</p>
        <ul className="space-y-4">
          {groups.map((group, index) => (
            <li key={index} className="rounded-lg border border-stone-200 p-3 dark:border-stone-800" data-testid="group-override">
              <div className="mb-2 flex flex-wrap items-end gap-2">
                <label className="text-sm">
                  <span className="block">Hub group</span>
                  <input className={inputClass} value={group.name} onChange={(e) => setGroups(groups.map((g, i) => (i === index ? { ...g, name: e.target.value } : g)))} required />
                </label>
                <button type="button" className={quietButtonClass} onClick={() => setGroups(groups.filter((_, i) => i !== index))}>
                  Remove override
                </button>
              </div>
              {limitInputs(group.limits, (key, value) => setGroups(groups.map((g, i) => (i === index ? { ...g, limits: { ...g.limits, [key]: value } } : g))), `Group ${group.name || index + 1}`, "default")}
            </li>
          ))}
        </ul>
        <button type="button" className={`${quietButtonClass} mt-3`} onClick={() => setGroups([...groups, { name: "", limits: textsOf({}, false) }])}>
          Add a group override
        </button>
      </Panel>
      <Panel title="Clean-up and retention">
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={cleanupEnabled} onChange={(e) => setCleanupEnabled(e.target.checked)} />
          Every hour, remove private images nobody launched for
          <input aria-label="Days unused before clean-up" className={`${inputClass} w-20`} inputMode="numeric" value={unusedDays} onChange={(e) => setUnusedDays(e.target.value)} required />
          days (the Overview lists them first)
        </label>
        <label className="mt-3 flex items-center gap-2 text-sm">
          Keep the audit log for
          <input aria-label="Audit log retention in days" className={`${inputClass} w-24`} inputMode="numeric" value={retention} onChange={(e) => setRetention(e.target.value)} required />
          days
        </label>
      </Panel>
      <Panel title="Launch page">
        <label className="block text-sm">
          <span className="block">Example repositories, one per line: a repository URL, DOI or Binder spec, then optionally a space and a branch or tag</span>
          <textarea
            aria-label="Example repositories"
            className={`${inputClass} mt-1 w-full font-mono`}
            rows={4}
            value={examples}
            onChange={(e) => setExamples(e.target.value)}
            placeholder={"https://github.com/binder-examples/requirements main"}
          />
        </label>
        <p className="mt-1 text-sm text-stone-700 dark:text-stone-300">They appear under the Launch form as one-click choices. Leave it empty on a Hub that cannot reach the repositories.</p>
      </Panel>
      <div className="flex flex-wrap items-end gap-3">
        <label className="min-w-64 flex-1 text-sm">
          <span className="block">Why (recorded in the audit log)</span>
          <input className={`${inputClass} w-full`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        </label>
        <button type="submit" className={buttonClass} disabled={save.isPending}>Save policy</button>
      </div>
      <Notice text={notice?.text ?? null} error={notice?.error} />
    </form>
  );
}
