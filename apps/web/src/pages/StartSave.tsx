import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Field, ProblemBanner, Section } from '../components';
import { enc, post } from '../lib/api';
import { label, may, mayOn, type AccountPeople } from '../lib/format';
import {
  FACT_KEYS,
  FACT_QUESTIONS,
  FLAG_LABELS,
  ROOT_CAUSES,
  SAVE_FACT_VALUES,
  STRATEGIC_FLAGS,
  saveStartBody,
  type FactKey,
  type FlagKey,
  type SaveStartForm,
} from '../lib/forms';
import { useAction, useGet, useIdempotencyKey } from '../lib/hooks';
import type { Me, RenewalDetail } from '../lib/types';

/** A renewal that may still get its save: launched and not ended (a save of an ended one would have no renewal to link). */
const OPEN_STATUSES = new Set(['starting', 'active']);

/**
 * Whether the page offers to start this renewal's save: it has none yet, it is still
 * open, and GET /me's `can` grants `save.start` over it (cs_ops over every renewal; the
 * owner CSM and his management chain over theirs, which needs the account's people).
 */
export function StartSave({ renewal: r, me }: { renewal: RenewalDetail; me: Me | null }) {
  const grant = me?.can?.find((c) => c.capability === 'save.start');
  const candidate = !!grant && !r.saveRequest?.saveId && OPEN_STATUSES.has(r.status);
  // Who stands to the account, read only when the grant depends on it.
  const related = candidate && grant.reach !== 'all' && may(me, 'account.read');
  const account = useGet<AccountPeople>(related ? `/accounts/${enc(r.accountId)}` : null);
  if (!candidate || !mayOn(me, 'save.start', account.data ?? null)) return null;
  return (
    <Section title="Start a save">
      <p className="meta">
        No save runs for this renewal. Starting one triages it from the facts below and lays out its effort.
      </p>
      <StartSaveForm accountId={r.accountId} renewalDate={r.renewalDate} />
    </Section>
  );
}

const NO_FACTS = Object.fromEntries(FACT_KEYS.map((k) => [k, ''])) as Record<FactKey, string>;
const NO_FLAGS = Object.fromEntries(STRATEGIC_FLAGS.map((k) => [k, false])) as Record<FlagKey, boolean>;

/**
 * Start the renewal's save (POST /saves): why (the trigger reasons), the §4.1 facts the
 * triage scores, the root cause and the strategic flags; the account's facts are Retain's.
 * On success the save's page (a save already running for it answers 200 and is opened too).
 */
function StartSaveForm({ accountId, renewalDate }: { accountId: string; renewalDate: string }) {
  const navigate = useNavigate();
  const action = useAction();
  const keyFor = useIdempotencyKey();
  const [form, setForm] = useState<SaveStartForm>({
    triggerReasons: '',
    facts: NO_FACTS,
    rootCause: '',
    budgetRelated: false,
    strategicFlags: NO_FLAGS,
  });
  const p = action.problem;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const body = saveStartBody(accountId, renewalDate, form);
    void action.run(async () => {
      const started = await post<{ id: string }>('/saves', body, { idempotencyKey: keyFor(body) });
      void navigate(`/saves/${enc(started.id)}`);
    });
  };
  return (
    <form className="brief" aria-label="Start a save" onSubmit={submit}>
      <Field label="Why (one reason a line)" field="triggerReasons" problem={p}>
        {(c) => (
          <textarea
            {...c}
            required
            rows={2}
            value={form.triggerReasons}
            onChange={(e) => setForm({ ...form, triggerReasons: e.target.value })}
          />
        )}
      </Field>
      {FACT_KEYS.map((k) => (
        <Field key={k} label={FACT_QUESTIONS[k]} field={`facts.${k}`} problem={p}>
          {(c) => (
            <select
              {...c}
              required
              value={form.facts[k]}
              onChange={(e) => setForm({ ...form, facts: { ...form.facts, [k]: e.target.value } })}
            >
              <option value="">Choose…</option>
              {SAVE_FACT_VALUES[k].map((v) => (
                <option key={v} value={v}>
                  {label(v)}
                </option>
              ))}
            </select>
          )}
        </Field>
      ))}
      <Field label="Root cause" field="rootCause" problem={p}>
        {(c) => (
          <select
            {...c}
            required
            value={form.rootCause}
            onChange={(e) => setForm({ ...form, rootCause: e.target.value })}
          >
            <option value="">Choose…</option>
            {ROOT_CAUSES.map((v) => (
              <option key={v} value={v}>
                {label(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="checks">
        <legend>Strategic flags</legend>
        {STRATEGIC_FLAGS.map((k) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              checked={form.strategicFlags[k]}
              onChange={(e) => setForm({ ...form, strategicFlags: { ...form.strategicFlags, [k]: e.target.checked } })}
            />{' '}
            {FLAG_LABELS[k]}
          </label>
        ))}
        <label className="check">
          <input
            type="checkbox"
            checked={form.budgetRelated}
            onChange={(e) => setForm({ ...form, budgetRelated: e.target.checked })}
          />{' '}
          A budget cut (price flexibility may help)
        </label>
      </fieldset>
      <div className="actions">
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Starting…' : 'Start the save'}
        </button>
      </div>
      <ProblemBanner problem={p} />
    </form>
  );
}
