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
import type { Concession, PlanItem, SaveOutcome, SaveState } from '../lib/types';
import { CONCESSION_TYPES } from '../../../../libs/domain/src/saves/concession-approval';
import { SAVE_OUTCOME_KINDS } from '../../../../libs/domain/src/saves/save-outcome';

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

/** The kinds of concession (the approval matrix's) and the ways a save is saved: the domain's own lists. */
const CONCESSION_KINDS: readonly string[] = CONCESSION_TYPES;
const SAVED_KINDS = SAVE_OUTCOME_KINDS.filter((k) => k !== 'lost');

interface ConcessionForm {
  type: string;
  discountPct: string;
  terms: string;
  businessRationale: string;
  expectedOutcome: string;
  alternativesConsidered: string;
  riskFactors: string;
  sunset: string;
  tiedTo: string;
  overrideReason: string;
}

const EMPTY_CONCESSION: ConcessionForm = {
  type: 'discount',
  discountPct: '',
  terms: '',
  businessRationale: '',
  expectedOutcome: '',
  alternativesConsidered: '',
  riskFactors: '',
  sunset: '',
  tiedTo: '',
  overrideReason: '',
};

/** The body of POST /saves/{id}/concessions from the form: empty optional fields left out, the discount as a number. */
export function concessionBody(f: ConcessionForm): Record<string, unknown> {
  const trimmed = (v: string) => v.trim();
  return {
    type: f.type,
    ...(f.type === 'discount' && f.discountPct.trim() ? { discountPct: Number(f.discountPct) } : {}),
    ...(trimmed(f.terms) ? { terms: trimmed(f.terms) } : {}),
    rationale: {
      businessRationale: trimmed(f.businessRationale),
      expectedOutcome: trimmed(f.expectedOutcome),
      alternativesConsidered: trimmed(f.alternativesConsidered),
      riskFactors: trimmed(f.riskFactors),
    },
    sunset: trimmed(f.sunset),
    tiedTo: trimmed(f.tiedTo),
    ...(trimmed(f.overrideReason) ? { overrideReason: trimmed(f.overrideReason) } : {}),
  };
}

/**
 * Ask for a concession (POST /saves/{id}/concessions): its kind (a discount with its
 * percentage, which the approval matrix reads), the four-part rationale, its sunset and
 * what it is tied to (docs/rulebook.md, concessions). The api answers it pending, with the
 * approver it needs; a discount the root cause does not justify asks for an override reason
 * (the api's field error says so).
 */
export function RequestConcessionForm({
  save: s,
  onRequested,
}: {
  save: SaveState;
  onRequested: (c: Concession) => void;
}) {
  const action = useAction();
  const keyFor = useIdempotencyKey();
  const [form, setForm] = useState<ConcessionForm>(EMPTY_CONCESSION);
  const p = action.problem;
  const set = (k: keyof ConcessionForm) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const body = concessionBody(form);
    void action.run(async () => {
      const requested = await post<Concession>(`/saves/${enc(s.saveId)}/concessions`, body, {
        idempotencyKey: keyFor(body),
      });
      setForm(EMPTY_CONCESSION);
      onRequested(requested);
    });
  };
  const text = (k: keyof ConcessionForm, name: string, max: number, required = true) => (
    <Field label={name} field={fieldOf(k)} problem={p}>
      {(c) => <input {...c} required={required} maxLength={max} value={form[k]} onChange={set(k)} />}
    </Field>
  );
  return (
    <form className="brief" aria-label="Request a concession" onSubmit={submit}>
      <Field label="Kind" field="type" problem={p}>
        {(c) => (
          <select {...c} value={form.type} onChange={set('type')}>
            {CONCESSION_KINDS.map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {form.type === 'discount' ? (
        <Field label="Discount (% of ARR)" field="discountPct" problem={p}>
          {(c) => (
            <input
              {...c}
              required
              type="number"
              min={0.01}
              max={100}
              step={0.01}
              value={form.discountPct}
              onChange={set('discountPct')}
            />
          )}
        </Field>
      ) : null}
      {text('terms', 'Terms', 2000, false)}
      {text('businessRationale', 'Business rationale', 2000)}
      {text('expectedOutcome', 'Expected outcome', 2000)}
      {text('alternativesConsidered', 'Alternatives considered', 2000)}
      {text('riskFactors', 'Risk factors', 2000)}
      {text('sunset', 'Sunset (when it ends)', 500)}
      {text('tiedTo', 'Tied to (what the customer gives)', 500)}
      {text('overrideReason', 'Override reason (a discount the root cause does not call for)', 2000, false)}
      <div className="actions">
        <button type="submit" disabled={action.busy}>
          Request concession
        </button>
      </div>
      <ProblemBanner problem={p} />
    </form>
  );
}

/** The api's field name of a form field: the rationale's four are nested under `rationale`. */
function fieldOf(k: keyof ConcessionForm): string {
  return ['businessRationale', 'expectedOutcome', 'alternativesConsidered', 'riskFactors'].includes(k)
    ? `rationale.${k}`
    : k;
}

interface OutcomeForm {
  result: 'saved' | 'lost';
  kind: string;
  newArr: string;
  pauseDays: string;
  reason: string;
  competitor: string;
  partner: string;
  partnerNeed: string;
  guaranteeMetric: string;
  guaranteeBy: string;
}

const EMPTY_OUTCOME: OutcomeForm = {
  result: 'saved',
  kind: 'full',
  newArr: '',
  pauseDays: '',
  reason: '',
  competitor: '',
  partner: '',
  partnerNeed: '',
  guaranteeMetric: '',
  guaranteeBy: '',
};

/** The body of POST /saves/{id}/outcome: the fields the kind reads (the api says which are required), ARR in cents. */
export function outcomeBody(f: OutcomeForm): Record<string, unknown> {
  const kind = f.result === 'lost' ? 'lost' : f.kind;
  const opt = (name: string, v: string) => (v.trim() ? { [name]: v.trim() } : {});
  return {
    result: f.result,
    kind,
    ...((kind === 'reduced_scope' || kind === 'partner_transition') && f.newArr.trim()
      ? { newArrCents: Math.round(Number(f.newArr) * 100) }
      : {}),
    ...(kind === 'pause' && f.pauseDays.trim() ? { pauseDays: Number(f.pauseDays) } : {}),
    ...opt('reason', f.reason),
    ...(f.result === 'lost' ? opt('competitor', f.competitor) : {}),
    ...(kind === 'partner_transition' ? { ...opt('partner', f.partner), ...opt('partnerNeed', f.partnerNeed) } : {}),
    ...(kind === 'performance_guarantee'
      ? { ...opt('guaranteeMetric', f.guaranteeMetric), ...opt('guaranteeBy', f.guaranteeBy) }
      : {}),
  };
}

/**
 * Record the save's outcome (POST /saves/{id}/outcome), once: saved (with how: in full, at a
 * reduced scope, a pause, a shorter term, a pilot, an out clause, a partner transition, a
 * performance guarantee, each with what it needs) or lost (why, to whom). The api answers
 * the outcome; the page then shows it and the debrief.
 */
export function RecordOutcomeForm({ save: s, onRecorded }: { save: SaveState; onRecorded: (o: SaveOutcome) => void }) {
  const action = useAction();
  const keyFor = useIdempotencyKey();
  const [form, setForm] = useState<OutcomeForm>(EMPTY_OUTCOME);
  const p = action.problem;
  const set = (k: keyof OutcomeForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const kind = form.result === 'lost' ? 'lost' : form.kind;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const body = outcomeBody(form);
    void action.run(async () => {
      onRecorded(await post<SaveOutcome>(`/saves/${enc(s.saveId)}/outcome`, body, { idempotencyKey: keyFor(body) }));
    });
  };
  const text = (k: keyof OutcomeForm, name: string, max: number, required = false) => (
    <Field label={name} field={k === 'newArr' ? 'newArrCents' : k} problem={p}>
      {(c) => <input {...c} required={required} maxLength={max} value={form[k]} onChange={set(k)} />}
    </Field>
  );
  return (
    <form className="brief" aria-label="Record the outcome" onSubmit={submit}>
      <Field label="Result" field="result" problem={p}>
        {(c) => (
          <select {...c} value={form.result} onChange={set('result')}>
            <option value="saved">Saved</option>
            <option value="lost">Lost</option>
          </select>
        )}
      </Field>
      {form.result === 'saved' ? (
        <Field label="How" field="kind" problem={p}>
          {(c) => (
            <select {...c} value={form.kind} onChange={set('kind')}>
              {SAVED_KINDS.map((k) => (
                <option key={k} value={k}>
                  {label(k)}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      {kind === 'reduced_scope' || kind === 'partner_transition' ? (
        <Field label="New ARR ($)" field="newArrCents" problem={p} hint={`Now ${s.account.arrCents / 100}`}>
          {(c) => (
            <input
              {...c}
              required={kind === 'reduced_scope'}
              type="number"
              min={0}
              step={0.01}
              value={form.newArr}
              onChange={set('newArr')}
            />
          )}
        </Field>
      ) : null}
      {kind === 'pause' ? (
        <Field label="Pause (days)" field="pauseDays" problem={p}>
          {(c) => (
            <input
              {...c}
              required
              type="number"
              min={1}
              max={3650}
              value={form.pauseDays}
              onChange={set('pauseDays')}
            />
          )}
        </Field>
      ) : null}
      {kind === 'partner_transition' ? (
        <>
          {text('partner', 'Partner', 200, true)}
          {text('partnerNeed', 'The need the partner meets', 2000, true)}
        </>
      ) : null}
      {kind === 'performance_guarantee' ? (
        <>
          {text('guaranteeMetric', 'Metric promised', 2000, true)}
          <Field label="Met by" field="guaranteeBy" problem={p}>
            {(c) => <input {...c} required type="date" value={form.guaranteeBy} onChange={set('guaranteeBy')} />}
          </Field>
        </>
      ) : null}
      {text('reason', 'Reason', 2000)}
      {form.result === 'lost' ? text('competitor', 'Lost to (competitor)', 200) : null}
      <div className="actions">
        <button type="submit" disabled={action.busy}>
          Record outcome
        </button>
      </div>
      <ProblemBanner problem={p} />
    </form>
  );
}
