import { useState, type FormEvent } from 'react';
import { Field, ProblemBanner } from '../components';
import { enc, post } from '../lib/api';
import { label } from '../lib/format';
import {
  FACT_KEYS,
  FACT_QUESTIONS,
  FLAG_LABELS,
  PLAN_TEMPLATE_KEYS,
  SAVE_FACT_VALUES,
  STRATEGIC_FLAGS,
  planItemBody,
  retriageBody,
  retriageFormOf,
  type PlanItemForm,
  type RetriageForm,
} from '../lib/forms';
import { useAction, useIdempotencyKey } from '../lib/hooks';
import type { PlanItem, SaveState } from '../lib/types';

/**
 * Re-triage the save (POST /saves/{id}/triage): the form opens with the save's facts and
 * strategic flags and sends only what the user changed, with a reason kept on the triage.
 * The api answers the save with its new triage, which the page shows at once.
 */
export function RetriageForm({ save: s, onTriaged }: { save: SaveState; onTriaged: (save: SaveState) => void }) {
  const action = useAction();
  const keyFor = useIdempotencyKey();
  const current = { facts: s.facts, strategicFlags: s.strategicFlags };
  const [form, setForm] = useState<RetriageForm>(() => retriageFormOf(current));
  const body = retriageBody(form, current);
  const p = action.problem;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy || !body) return;
    void action.run(async () => {
      const saved = await post<SaveState>(`/saves/${enc(s.saveId)}/triage`, body, { idempotencyKey: keyFor(body) });
      setForm({ ...retriageFormOf({ facts: saved.facts, strategicFlags: saved.strategicFlags }) });
      onTriaged(saved);
    });
  };
  return (
    <form className="brief" aria-label="Re-triage" onSubmit={submit}>
      <p className="meta">Change what is no longer true; the rest stays as it is.</p>
      {FACT_KEYS.map((k) => (
        <Field key={k} label={FACT_QUESTIONS[k]} field={`facts.${k}`} problem={p}>
          {(c) => (
            <select
              {...c}
              value={form.facts[k] ?? ''}
              onChange={(e) => setForm({ ...form, facts: { ...form.facts, [k]: e.target.value } })}
            >
              {SAVE_FACT_VALUES[k].map((v) => (
                <option key={v} value={v}>
                  {label(v)}
                  {v === s.facts[k] ? ' (now)' : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
      ))}
      <fieldset className="checks">
        <legend>Strategic flags</legend>
        {STRATEGIC_FLAGS.map((k) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              checked={form.strategicFlags[k] ?? false}
              onChange={(e) => setForm({ ...form, strategicFlags: { ...form.strategicFlags, [k]: e.target.checked } })}
            />{' '}
            {FLAG_LABELS[k]}
          </label>
        ))}
      </fieldset>
      <Field label="Reason" field="reason" problem={p} hint="Kept with the new triage">
        {(c) => (
          <input
            {...c}
            maxLength={2000}
            value={form.reason}
            onChange={(e) => setForm({ ...form, reason: e.target.value })}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={action.busy || !body}>
          Re-triage
        </button>
        {!body ? <span className="meta">Change a fact or a flag first.</span> : null}
      </div>
      <ProblemBanner problem={p} />
    </form>
  );
}

const EMPTY_ITEM: PlanItemForm = {
  template: '',
  issueId: '',
  issue: '',
  rootCause: '',
  fix: '',
  owner: '',
  dueAt: '',
  successMetric: '',
};

/** A datetime-local value ("2027-02-01T17:00") as the instant it is in this browser's time zone. */
function localToInstant(local: string): string {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

/**
 * Add an item to the save's remediation plan (POST /saves/{id}/plan-items): named whole
 * (issue, root cause, fix, owner, due, success metric: all required), or from one of the
 * policy's templates, which fills what is left empty. The api answers the item.
 */
export function AddPlanItemForm({ save: s, onAdded }: { save: SaveState; onAdded: (item: PlanItem) => void }) {
  const action = useAction();
  const keyFor = useIdempotencyKey();
  const [form, setForm] = useState<PlanItemForm>(EMPTY_ITEM);
  const whole = form.template === '';
  const p = action.problem;
  const set = (k: keyof PlanItemForm) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const body = planItemBody(form, localToInstant);
    void action.run(async () => {
      onAdded(await post<PlanItem>(`/saves/${enc(s.saveId)}/plan-items`, body, { idempotencyKey: keyFor(body) }));
      setForm(EMPTY_ITEM);
    });
  };
  const text = (k: 'issue' | 'rootCause' | 'fix' | 'successMetric', name: string, max: number) => (
    <Field label={name} field={k} problem={p} {...(whole ? {} : { hint: 'Left empty: the template fills it' })}>
      {(c) => <input {...c} required={whole} maxLength={max} value={form[k]} onChange={set(k)} />}
    </Field>
  );
  return (
    <form className="brief" aria-label="Add a plan item" onSubmit={submit}>
      <Field label="Template" field="template" problem={p}>
        {(c) => (
          <select {...c} value={form.template} onChange={set('template')}>
            <option value="">None: name the item</option>
            {PLAN_TEMPLATE_KEYS.map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {s.issues.length ? (
        <Field label="For the issue" field="issueId" problem={p}>
          {(c) => (
            <select {...c} value={form.issueId} onChange={set('issueId')}>
              <option value="">None of those recorded</option>
              {s.issues.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.description}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      {text('issue', 'Issue', 2000)}
      {text('rootCause', 'Root cause', 2000)}
      {text('fix', 'Fix', 2000)}
      <Field
        label="Owner id"
        field="owner"
        problem={p}
        hint={whole ? `Who does it, e.g. the owner CSM ${s.account.ownerCsmId}` : 'Left empty: the template fills it'}
      >
        {(c) => <input {...c} required={whole} maxLength={128} value={form.owner} onChange={set('owner')} />}
      </Field>
      <Field label="Due" field="dueAt" problem={p} {...(whole ? {} : { hint: 'Left empty: the template fills it' })}>
        {(c) => <input {...c} required={whole} type="datetime-local" value={form.dueAt} onChange={set('dueAt')} />}
      </Field>
      {text('successMetric', 'Success metric', 500)}
      <div className="actions">
        <button type="submit" disabled={action.busy}>
          Add plan item
        </button>
      </div>
      <ProblemBanner problem={p} />
    </form>
  );
}
