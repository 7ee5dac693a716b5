import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Field, ProblemBanner } from '../components';
import { enc, post } from '../lib/api';
import { label } from '../lib/format';
import { SEGMENTS, launchBody, type LaunchForm } from '../lib/forms';
import { useAction, useIdempotencyKey } from '../lib/hooks';

/** The browser's own time zone: the likeliest first answer (an IANA name the api checks). */
function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every IANA zone the browser knows, offered as suggestions (the field takes any name; the api decides). */
function knownTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: 'timeZone') => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

const EMPTY: LaunchForm = {
  accountId: '',
  name: '',
  arrDollars: '',
  segment: '',
  timeZone: '',
  ownerCsmId: '',
  csmManagerId: '',
  salesRepId: '',
  renewalDate: '',
};

/**
 * Launch a renewal (POST /renewals, cs_ops): the account's facts and the renewal date.
 * The browser asks the required fields first; the api's refusal is shown with its field
 * errors under their fields. One Idempotency-Key per distinct launch, and the launch
 * itself is keyed by account and date, so a double submit launches once. On success the
 * renewal's page.
 */
export function LaunchRenewalForm() {
  const navigate = useNavigate();
  const action = useAction();
  const keyFor = useIdempotencyKey();
  const [form, setForm] = useState<LaunchForm>(() => ({ ...EMPTY, timeZone: browserTimeZone() }));
  const zones = useMemo(knownTimeZones, []);
  const set = (k: keyof LaunchForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const body = launchBody(form);
    void action.run(async () => {
      const launched = await post<{ id: string }>('/renewals', body, { idempotencyKey: keyFor(body) });
      void navigate(`/renewals/${enc(launched.id)}`);
    });
  };
  const p = action.problem;
  return (
    <form className="launch" aria-label="Launch a renewal" onSubmit={submit}>
      <Field label="Account id" field="account.id" problem={p} hint="The account's id in your CRM">
        {(c) => <input {...c} required maxLength={128} value={form.accountId} onChange={set('accountId')} />}
      </Field>
      <Field label="Account name" field="account.name" problem={p}>
        {(c) => <input {...c} required maxLength={200} value={form.name} onChange={set('name')} />}
      </Field>
      <Field label="ARR (US$)" field="account.arrCents" problem={p}>
        {(c) => (
          <input
            {...c}
            required
            type="number"
            min={0}
            step={1}
            inputMode="numeric"
            value={form.arrDollars}
            onChange={set('arrDollars')}
          />
        )}
      </Field>
      <Field label="Segment" field="account.segment" problem={p}>
        {(c) => (
          <select {...c} required value={form.segment} onChange={set('segment')}>
            <option value="">Choose…</option>
            {SEGMENTS.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Time zone" field="account.timeZone" problem={p} hint="IANA name, e.g. Asia/Tokyo">
        {(c) => (
          <>
            <input {...c} required list="launch-time-zones" value={form.timeZone} onChange={set('timeZone')} />
            <datalist id="launch-time-zones">
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <Field label="Owner CSM id" field="account.ownerCsmId" problem={p}>
        {(c) => <input {...c} required maxLength={128} value={form.ownerCsmId} onChange={set('ownerCsmId')} />}
      </Field>
      <Field
        label="CSM manager id"
        field="account.csmManagerId"
        problem={p}
        hint="Optional: the manager who works the account's saves with its owner"
      >
        {(c) => <input {...c} maxLength={128} value={form.csmManagerId} onChange={set('csmManagerId')} />}
      </Field>
      <Field label="Sales rep id" field="account.salesRepId" problem={p} hint="Optional">
        {(c) => <input {...c} maxLength={128} value={form.salesRepId} onChange={set('salesRepId')} />}
      </Field>
      <Field label="Renewal date" field="renewalDate" problem={p} hint="In the account's time zone">
        {(c) => <input {...c} required type="date" value={form.renewalDate} onChange={set('renewalDate')} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Launching…' : 'Launch renewal'}
        </button>
      </div>
      <ProblemBanner problem={p} />
    </form>
  );
}
