"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { adminKeys, deleteBan, fetchBans, postBan, testBans } from "@/lib/admin/queries";
import { banKindLabels, banKinds, type BanKind } from "@/lib/bans/kinds";
import type { BanTestResult } from "@/lib/bans/schema";
import { formatDateTime } from "@/lib/format";
import { buttonClass, inputClass, Notice, Panel, quietButtonClass } from "./ui";

const PLACEHOLDERS: Record<BanKind, string> = {
  spec: "repo:github\\.com/some-org/  or  gh/some-org/.*  (RE2, from the start of the spec)",
  host: "git.example.org or git.example.org:8443",
  user_build: "a Hub user name",
  user_share: "a Hub user name",
};

/** Ban rules: write one, try it (and every saved rule) on a repository before saving, remove one. */
export function BanRules() {
  const client = useQueryClient();
  const rules = useQuery({ queryKey: adminKeys.bans(), queryFn: fetchBans });
  const [kind, setKind] = useState<BanKind>("spec");
  const [pattern, setPattern] = useState("");
  const [reason, setReason] = useState("");
  const [tryRepository, setTryRepository] = useState("");
  const [tryUser, setTryUser] = useState("");
  const [result, setResult] = useState<BanTestResult | null>(null);
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.all });
  const create = useMutation({
    mutationFn: () => postBan({ kind, pattern, reason }),
    onSuccess: (rule) => {
      setNotice({ text: `Saved: ${banKindLabels[rule.kind]} ${rule.pattern}. It applies now, everywhere.` });
      setPattern("");
      setReason("");
      setResult(null);
      void refresh();
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  const test = useMutation({
    mutationFn: () => testBans({ repository: tryRepository, user: tryUser, ...(pattern ? { draft: { kind, pattern } } : {}) }),
    onSuccess: setResult,
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  const remove = useMutation({
    mutationFn: deleteBan,
    onSuccess: () => {
      setNotice({ text: "Rule removed." });
      void refresh();
    },
    onError: (error) => setNotice({ text: error.message, error: true }),
  });
  return (
    <div className="space-y-6">
      <Panel title="New rule">
        <form
          className="grid gap-3 sm:grid-cols-[auto_1fr]"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <label className="text-sm" htmlFor="ban-kind">Kind</label>
          <select id="ban-kind" className={inputClass} value={kind} onChange={(e) => setKind(e.target.value as BanKind)}>
            {banKinds.map((k) => (
              <option key={k} value={k}>{banKindLabels[k]}</option>
            ))}
          </select>
          <label className="text-sm" htmlFor="ban-pattern">Pattern</label>
          <input id="ban-pattern" className={inputClass} value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder={PLACEHOLDERS[kind]} required maxLength={300} />
          <label className="text-sm" htmlFor="ban-reason">Reason</label>
          <input id="ban-reason" className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Shown to whoever is refused" required minLength={3} maxLength={500} />
          <div className="sm:col-start-2">
            <button type="submit" className={buttonClass} disabled={create.isPending}>Save rule</button>
          </div>
        </form>
        <fieldset className="mt-4 rounded-lg border border-stone-200 p-3 dark:border-stone-800">
          <legend className="px-1 text-sm font-medium">Test before saving</legend>
          <p className="mb-2 text-xs text-stone-600 dark:text-stone-400">Tries the rule above (if any) and every saved rule. Nothing is built or fetched.</p>
          <div className="flex flex-wrap items-end gap-2">
            <label className="min-w-64 flex-1 text-sm">
              <span className="block text-xs">Repository (as pasted on Launch)</span>
              <input className={`${inputClass} w-full`} value={tryRepository} onChange={(e) => setTryRepository(e.target.value)} placeholder="https://github.com/org/repo" />
            </label>
            <label className="text-sm">
              <span className="block text-xs">User (optional)</span>
              <input className={inputClass} value={tryUser} onChange={(e) => setTryUser(e.target.value)} />
            </label>
            <button type="button" className={quietButtonClass} disabled={test.isPending || (!tryRepository && !tryUser)} onClick={() => test.mutate()}>
              Test
            </button>
          </div>
          {result && (
            <div role="status" className="mt-3 text-sm" data-testid="ban-test-result">
              {result.spec && <p className="break-all">Spec: <code>{result.spec}</code>{result.host ? <> · host <code>{result.host}</code></> : null}</p>}
              {result.matches.length === 0 ? (
                <p className="mt-1 font-medium">No rule refuses it.</p>
              ) : (
                <ul className="mt-1 list-disc pl-5">
                  {result.matches.map((m, i) => (
                    <li key={`${m.id}-${i}`}>
                      {m.id === null ? "The rule above" : `Rule “${m.pattern}”`} refuses: {m.refuses} ({m.reason})
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </fieldset>
        <Notice text={notice?.text ?? null} error={notice?.error} />
      </Panel>
      <Panel title="Rules in force">
        {rules.isPending ? (
          <p className="text-sm">Loading…</p>
        ) : rules.isError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">{rules.error.message}</p>
        ) : rules.data.length === 0 ? (
          <p className="text-sm text-stone-600 dark:text-stone-400">No rules: every repository and person may build and share.</p>
        ) : (
          <ul className="divide-y divide-stone-100 dark:divide-stone-800" data-testid="ban-rules">
            {rules.data.map((rule) => (
              <li key={rule.id} className="flex flex-wrap items-start justify-between gap-2 py-2 text-sm" data-testid="ban-rule">
                <div className="min-w-0">
                  <p><span className="text-xs text-stone-600 dark:text-stone-400">{banKindLabels[rule.kind]}</span> <code className="break-all">{rule.pattern}</code></p>
                  <p className="text-xs text-stone-600 dark:text-stone-400">{rule.reason} · {rule.author}, {formatDateTime(rule.createdAt)}</p>
                </div>
                <button type="button" className={quietButtonClass} onClick={() => window.confirm(`Remove the rule ${rule.pattern}?`) && remove.mutate(rule.id)}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}
