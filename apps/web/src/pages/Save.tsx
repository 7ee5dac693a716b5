import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Empty, Loading, Pill, ProblemBanner, Section } from '../components';
import { enc, post, request } from '../lib/api';
import { day, label, mayDecideConcession, mayOn, money } from '../lib/format';
import { useAction, useGet } from '../lib/hooks';
import type {
  Concession,
  Conversation,
  Debrief,
  EscalationStep,
  Me,
  PlanItem,
  PlanItemState,
  SaveOutcome,
  SaveState,
} from '../lib/types';
import { useSession } from '../session';
import { AddPlanItemForm, RecordOutcomeForm, RequestConcessionForm, RetriageForm } from './SaveForms';

const PLAN_STATES: PlanItemState[] = ['in_progress', 'blocked', 'done', 'verified_by_customer'];

/** One save effort: triage, issues, plan, concessions (decided inline), escalation, conversations, outcome, debrief. */
export function SavePage() {
  const { id = '' } = useParams();
  const { me } = useSession();
  const save = useGet<SaveState>(`/saves/${enc(id)}`);
  const debrief = useGet<Debrief>(save.data?.outcome ? `/saves/${enc(id)}/debrief` : null);
  // Conversations logged here, as the api answered, until the save's view has them.
  const [logged, setLogged] = useState<Conversation[]>([]);
  // The save as the api answered a re-triage made here, and plan items added here, until the read model has them.
  const [answered, setAnswered] = useState<SaveState | undefined>();
  const [added, setAdded] = useState<PlanItem[]>([]);
  // Concessions requested and the outcome recorded here, as the api answered them, until the save's view has them.
  const [requested, setRequested] = useState<Concession[]>([]);
  const [recorded, setRecorded] = useState<SaveOutcome | undefined>();
  if (save.problem) return <ProblemBanner problem={save.problem} />;
  if (!save.data) return <Loading what="the save" />;
  const seen = answered && answered.revision > save.data.revision ? answered : save.data;
  const s: SaveState = {
    ...seen,
    concessions: [...seen.concessions, ...requested.filter((r) => !seen.concessions.some((c) => c.id === r.id))],
    outcome: seen.outcome ?? recorded ?? null,
  };
  const t = s.triage;
  const conversations = [
    ...s.conversations,
    ...logged.filter((l) => !s.conversations.some((c) => c.at === l.at && c.by === l.by)),
  ];
  const planItems = [...s.planItems, ...added.filter((a) => !s.planItems.some((i) => i.id === a.id))];
  // What the caller may do here: GET /me's `can` and his relation to the save's account (the access table's rule).
  const active = s.status === 'active' && !s.outcome;
  const mayWork = active && mayOn(me, 'save.work', s.account);
  const mayTriage = active && mayOn(me, 'save.triage', s.account);
  const mayRequest = active && mayOn(me, 'concession.request', s.account);
  return (
    <>
      <p className="crumbs">
        <Link to="/saves">Save pipeline</Link> /
      </p>
      <h1>
        Save: {s.account.name} <Pill kind={s.status}>{label(s.status)}</Pill>
      </h1>
      <dl className="facts">
        <dt>ARR at risk</dt>
        <dd>{money(s.account.arrCents)}</dd>
        <dt>Renewal</dt>
        <dd>
          <Link to={`/renewals/${enc(s.renewalId)}`}>{s.renewalDate}</Link>
        </dd>
        <dt>Owner</dt>
        <dd>{s.account.ownerCsmId}</dd>
        <dt>Effort</dt>
        <dd>
          {label(t.allocation.effort)} ({t.allocation.hoursPlanned} h planned, {s.effortHours} h logged)
        </dd>
        <dt>Deadline</dt>
        <dd>{day(t.allocation.deadline)}</dd>
        <dt>Account risk</dt>
        <dd>
          <Link to={`/accounts/${enc(s.account.id)}/risk`}>Risk page</Link>
        </dd>
      </dl>

      <Section title="Triage">
        <dl className="facts">
          <dt>Root cause</dt>
          <dd>{label(t.rootCause)}</dd>
          <dt>Save probability</dt>
          <dd>
            {label(t.probability.tier)} ({t.probability.points} points)
            {t.probabilityOverride
              ? `; set to ${t.probabilityOverride.tier} by ${t.probabilityOverride.by}: ${t.probabilityOverride.reason}`
              : ''}
          </dd>
          <dt>Value</dt>
          <dd>{label(t.value.tier)}</dd>
          <dt>Time band</dt>
          <dd>{label(t.allocation.timeBand)}</dd>
          <dt>Triggered by</dt>
          <dd>{s.triggerReasons.map(label).join(', ') || '—'}</dd>
          <dt>Last triage</dt>
          <dd data-testid="triage-cause">
            {label(t.cause)} ({day(t.at)})
          </dd>
        </dl>
        <h3>Reasons</h3>
        <ul>
          {[...t.probability.reasons, ...t.value.reasons].map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
        {mayTriage ? (
          <details>
            <summary>Re-triage</summary>
            <RetriageForm
              key={s.revision}
              save={s}
              onTriaged={(next) => {
                setAnswered(next);
                save.reload();
              }}
            />
          </details>
        ) : null}
      </Section>

      <Section title="Issues">
        {s.issues.length === 0 ? (
          <Empty>No issue recorded yet.</Empty>
        ) : (
          <table className="list">
            <caption>Issues the customer raised</caption>
            <thead>
              <tr>
                <th scope="col">Issue</th>
                <th scope="col">Source</th>
                <th scope="col" className="num">
                  Frequency
                </th>
                <th scope="col" className="num">
                  Impact
                </th>
                <th scope="col">Deal-breaker</th>
                <th scope="col">Fixable</th>
              </tr>
            </thead>
            <tbody>
              {s.issues.map((i) => (
                <tr key={i.id}>
                  <th scope="row">{i.description}</th>
                  <td>{label(i.source)}</td>
                  <td className="num">{i.frequency}</td>
                  <td className="num">{i.impact}</td>
                  <td>{i.dealBreaker ? 'yes' : 'no'}</td>
                  <td>{i.fixable ? (i.quickFix ? 'quick fix' : 'yes') : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title="Remediation plan">
        {planItems.length === 0 ? (
          <Empty>No plan item yet.</Empty>
        ) : (
          <ul className="items">
            {planItems.map((item) => (
              <PlanItemRow
                key={item.id}
                saveId={s.saveId}
                account={s.account}
                item={item}
                me={me}
                onChange={save.reload}
              />
            ))}
          </ul>
        )}
        {mayWork ? (
          <details>
            <summary>Add a plan item</summary>
            <AddPlanItemForm
              save={s}
              onAdded={(item) => {
                setAdded((a) => [...a, item]);
                save.reload();
              }}
            />
          </details>
        ) : null}
      </Section>

      <Section title="Concessions">
        {s.concessions.length === 0 ? (
          <Empty>No concession requested.</Empty>
        ) : (
          <ul className="items">
            {s.concessions.map((c) => (
              <ConcessionRow key={c.id} saveId={s.saveId} c={c} me={me} onChange={save.reload} />
            ))}
          </ul>
        )}
        {mayRequest ? (
          <details>
            <summary>Request a concession</summary>
            <RequestConcessionForm
              save={s}
              onRequested={(c) => {
                setRequested((r) => [...r, c]);
                save.reload();
              }}
            />
          </details>
        ) : null}
      </Section>

      <Section title="Escalation protocol">
        <Escalation save={s} me={me} mayWork={mayWork} onChange={save.reload} />
      </Section>

      <Section title="Conversation log">
        {conversations.length === 0 ? (
          <Empty>No conversation logged.</Empty>
        ) : (
          <ol className="log">
            {conversations.map((c, i) => (
              <li key={i}>
                <time dateTime={c.at}>{day(c.at)}</time> {c.by}, {label(c.stage)}: {c.result}
                {c.refused ? ' (refused)' : ''}
              </li>
            ))}
          </ol>
        )}
        {mayWork ? <ConversationForm saveId={s.saveId} onLogged={(c) => setLogged((l) => [...l, c])} /> : null}
      </Section>

      <Section title="Outcome and debrief">
        {s.outcome ? (
          <p>
            {label(s.outcome.result)} ({label(s.outcome.kind)}) on {day(s.outcome.decidedAt)} by {s.outcome.decidedBy}
            {s.outcome.newArrCents !== null ? `; new ARR ${money(s.outcome.newArrCents)}` : ''}
            {s.outcome.reason ? `; ${s.outcome.reason}` : ''}
            {s.outcome.competitor ? `; to ${s.outcome.competitor}` : ''}
          </p>
        ) : (
          <Empty>Still open.</Empty>
        )}
        {mayWork && !s.outcome ? (
          <details>
            <summary>Record the outcome</summary>
            <RecordOutcomeForm
              save={s}
              onRecorded={(o) => {
                setRecorded(o);
                save.reload();
              }}
            />
          </details>
        ) : null}
        {debrief.data ? (
          <DebriefView saveId={s.saveId} debrief={debrief.data} mayWrite={mayOn(me, 'save.work', s.account)} />
        ) : null}
      </Section>
    </>
  );
}

function ConcessionRow({
  saveId,
  c: shown,
  me,
  onChange,
}: {
  saveId: string;
  c: Concession;
  me: Me | null;
  onChange: () => void;
}) {
  const action = useAction();
  const [note, setNote] = useState('');
  // The concession as the api answered the decision made here (the save's view catches up after).
  const [decided, setDecided] = useState<Concession | undefined>();
  const c = decided && shown.state === 'pending' ? decided : shown;
  const decide = (verb: 'approve' | 'reject') =>
    void action
      .run(async () =>
        setDecided(
          await post<Concession>(
            `/saves/${enc(saveId)}/concessions/${enc(c.id)}/${verb}`,
            note.trim() ? { note: note.trim() } : {},
          ),
        ),
      )
      .then((ok) => ok && onChange());
  const may = mayDecideConcession(me, c);
  const title = `${label(c.type)}${c.discountPct !== null ? ` ${c.discountPct}%` : ''}${c.terms ? `: ${c.terms}` : ''}`;
  return (
    <li className="item" data-testid={`concession-${c.id}`}>
      <div>
        <strong>{title}</strong> <Pill kind={c.state}>{c.state}</Pill>
      </div>
      <div className="meta">
        Requested by {c.requestedBy}; needs {label(c.requiredRole)}
        {c.awaitingRole !== c.requiredRole ? ` (waiting for ${label(c.awaitingRole)})` : ''}
        {c.slaDueAt && c.state === 'pending' ? `; SLA ${day(c.slaDueAt)}` : ''}. Tied to {c.tiedTo}; {c.sunset}.
      </div>
      <ol className="chain" aria-label="Approval chain">
        {c.chain.map((step, i) => (
          <li key={i}>
            {step.action} by {step.by} ({label(step.role)}) {day(step.at)}
            {step.note ? `: ${step.note}` : ''}
          </li>
        ))}
      </ol>
      {c.state === 'pending' ? (
        may ? (
          <div className="actions">
            <label>
              Note
              <input value={note} onChange={(e) => setNote(e.target.value)} />
            </label>
            <button type="button" disabled={action.busy} onClick={() => decide('approve')}>
              Approve
            </button>
            <button type="button" className="danger" disabled={action.busy} onClick={() => decide('reject')}>
              Reject
            </button>
          </div>
        ) : (
          <p className="meta" data-testid="beyond-authority">
            {me && c.requestedBy === me.id
              ? 'Your own request: someone else decides it.'
              : `Beyond your authority: a ${label(c.requiredRole)} decides it.`}
          </p>
        )
      ) : null}
      <ProblemBanner problem={action.problem} />
    </li>
  );
}

function PlanItemRow({
  saveId,
  account,
  item: shown,
  me,
  onChange,
}: {
  saveId: string;
  account: SaveState['account'];
  item: PlanItem;
  me: Me | null;
  onChange: () => void;
}) {
  const action = useAction();
  // The item as the api answered a change made here (the save's view catches up after).
  const [updated, setUpdated] = useState<PlanItem | undefined>();
  const item = updated && updated.history.length >= shown.history.length ? updated : shown;
  const [state, setState] = useState<PlanItemState>(shown.state);
  const [evidence, setEvidence] = useState('');
  // The save's people, or the item's own owner (a product engineer fixing it): planItem.progress of the access table.
  const may = mayOn(me, 'planItem.progress', account, [item.ownerId]);
  const selectId = `plan-state-${item.id}`;
  return (
    <li className="item" data-testid={`plan-item-${item.id}`}>
      <div>
        <strong>{item.fix}</strong> <Pill kind={item.state}>{label(item.state)}</Pill>
      </div>
      <div className="meta">
        For: {item.issue}. Owner {item.ownerId}, due {day(item.dueAt)}; success: {item.successMetric}
        {item.evidence ? `; evidence: ${item.evidence}` : ''}
      </div>
      {item.history.length ? (
        <ol className="chain" aria-label="State changes">
          {item.history.map((h, i) => (
            <li key={i}>
              {label(h.state ?? h.to)} {h.by ? `by ${h.by}` : ''} {day(h.at)}
              {h.note ? `: ${h.note}` : ''}
            </li>
          ))}
        </ol>
      ) : null}
      {may ? (
        <form
          className="actions"
          onSubmit={(e) => {
            e.preventDefault();
            void action
              .run(async () =>
                setUpdated(
                  await post<PlanItem>(`/saves/${enc(saveId)}/plan-items/${enc(item.id)}/status`, {
                    state,
                    ...(evidence.trim() ? { evidence: evidence.trim() } : {}),
                  }),
                ),
              )
              .then((ok) => ok && onChange());
          }}
        >
          <label htmlFor={selectId}>New state</label>
          <select id={selectId} value={state} onChange={(e) => setState(e.target.value as PlanItemState)}>
            {PLAN_STATES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
          <label>
            Evidence
            <input value={evidence} onChange={(e) => setEvidence(e.target.value)} />
          </label>
          <button type="submit" disabled={action.busy || state === item.state}>
            Change state
          </button>
        </form>
      ) : null}
      <ProblemBanner problem={action.problem} />
    </li>
  );
}

const STAGES = ['open_with_honesty', 'listen', 'acknowledge', 'propose_plan', 'reciprocal_commitment', 'get_to_truth'];

/** Logs a save conversation (POST /saves/{id}/conversations): its stage of the conversation framework and the result. */
function ConversationForm({ saveId, onLogged }: { saveId: string; onLogged: (c: Conversation) => void }) {
  const action = useAction();
  const [stage, setStage] = useState(STAGES[0]!);
  const [result, setResult] = useState('');
  const [refused, setRefused] = useState(false);
  return (
    <form
      className="actions"
      aria-label="Log a conversation"
      onSubmit={(e) => {
        e.preventDefault();
        void action
          .run(async () =>
            onLogged(
              await post<Conversation>(`/saves/${enc(saveId)}/conversations`, {
                stage,
                result: result.trim(),
                refused,
              }),
            ),
          )
          .then((ok) => ok && setResult(''));
      }}
    >
      <label>
        Stage
        <select value={stage} onChange={(e) => setStage(e.target.value)}>
          {STAGES.map((st) => (
            <option key={st} value={st}>
              {label(st)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Result
        <input required value={result} onChange={(e) => setResult(e.target.value)} />
      </label>
      <label className="check">
        <input type="checkbox" checked={refused} onChange={(e) => setRefused(e.target.checked)} /> Customer refused
      </label>
      <button type="submit" disabled={action.busy || !result.trim()}>
        Log conversation
      </button>
      <ProblemBanner problem={action.problem} />
    </form>
  );
}

const BRIEF = [
  ['history', 'History with the customer'],
  ['issues', 'The issues'],
  ['plan', 'The plan so far'],
  ['objective', 'What the executive should achieve'],
  ['talkingPoints', 'Talking points'],
  ['timing', 'Timing'],
] as const;

/**
 * The executive escalation protocol (§4.8): its steps in order with their due dates, the
 * next one marked done here; before it starts, a form with the executive brief.
 */
function Escalation({
  save: s,
  me,
  mayWork,
  onChange,
}: {
  save: SaveState;
  me: Me | null;
  mayWork: boolean;
  onChange: () => void;
}) {
  const action = useAction();
  // Steps marked done here, until the save's view has them.
  const [doneHere, setDoneHere] = useState<Record<string, string>>({});
  const [brief, setBrief] = useState<Record<string, string>>({});
  const [overrideReason, setOverrideReason] = useState('');
  // The escalation as the api answered its start here, until the save's view has it.
  const [started, setStarted] = useState<SaveState['escalation']>(null);
  const esc = s.escalation ?? started;
  if (!esc) {
    if (!mayWork) return <Empty>Not escalated to an executive.</Empty>;
    return (
      <>
        <Empty>Not escalated to an executive.</Empty>
        <details>
          <summary>Escalate to an executive</summary>
          <form
            className="brief"
            aria-label="Executive brief"
            onSubmit={(e) => {
              e.preventDefault();
              void action
                .run(async () =>
                  setStarted(
                    await post<NonNullable<SaveState['escalation']>>(`/saves/${enc(s.saveId)}/escalation`, {
                      brief: Object.fromEntries(BRIEF.map(([k]) => [k, (brief[k] ?? '').trim()])),
                      ...(overrideReason.trim() ? { overrideReason: overrideReason.trim() } : {}),
                    }),
                  ),
                )
                .then((ok) => ok && onChange());
            }}
          >
            {BRIEF.map(([k, text]) => (
              <label key={k}>
                {text}
                <textarea
                  required
                  rows={2}
                  value={brief[k] ?? ''}
                  onChange={(e) => setBrief({ ...brief, [k]: e.target.value })}
                />
              </label>
            ))}
            <label>
              Override reason (when the account does not meet the criteria)
              <input value={overrideReason} onChange={(e) => setOverrideReason(e.target.value)} />
            </label>
            <button type="submit" disabled={action.busy}>
              Start escalation
            </button>
          </form>
        </details>
        <ProblemBanner problem={action.problem} />
      </>
    );
  }
  const steps: EscalationStep[] = esc.steps.map((st) =>
    doneHere[st.step] && !st.completedAt ? { ...st, completedAt: doneHere[st.step]!, by: me?.id ?? null } : st,
  );
  const next = steps.find((st) => !st.completedAt);
  return (
    <>
      <p>
        Started {day(esc.startedAt)} by {esc.startedBy}
        {esc.executiveId ? `, executive ${esc.executiveId}` : ''}
        {esc.overrideReason ? ` (override: ${esc.overrideReason})` : ''}.
      </p>
      <table className="list" data-testid="escalation-steps">
        <caption>Steps, in order</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Due</th>
            <th scope="col">Done</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((st) => (
            <tr key={st.step}>
              <th scope="row">{label(st.step)}</th>
              <td className={!st.completedAt && st.escalatedAt ? 'overdue' : ''}>{day(st.dueAt)}</td>
              <td>
                {st.completedAt
                  ? `${day(st.completedAt)}${st.by ? ` by ${st.by}` : ''}${st.note ? `: ${st.note}` : ''}`
                  : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && mayWork ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action
              .run(() => post(`/saves/${enc(s.saveId)}/escalation/steps/${enc(next.step)}`, {}))
              .then((ok) => {
                if (ok) {
                  setDoneHere((d) => ({ ...d, [next.step]: new Date().toISOString() }));
                  onChange();
                }
              })
          }
        >
          Mark {label(next.step)} done
        </button>
      ) : null}
      <ProblemBanner problem={action.problem} />
    </>
  );
}

const DEBRIEF = [
  ['realReasons', 'The real reasons'],
  ['whenLost', 'When it was lost'],
  ['missedSignals', 'Signals missed'],
  ['couldHaveSaved', 'What could have saved it'],
  ['pattern', 'A pattern?'],
  ['whatToChange', 'What to change'],
] as const;

/** The save's debrief (GET and PUT /saves/{id}/debrief): its answers, written here while it is open. */
function DebriefView({ saveId, debrief, mayWrite: may }: { saveId: string; debrief: Debrief; mayWrite: boolean }) {
  const action = useAction();
  const [current, setCurrent] = useState(debrief);
  const [answers, setAnswers] = useState<Record<string, string>>(() =>
    Object.fromEntries(DEBRIEF.map(([k]) => [k, typeof debrief.answers[k] === 'string' ? debrief.answers[k] : ''])),
  );
  const mayWrite = current.open && may;
  return (
    <>
      <p>
        Debrief {current.open ? 'open' : 'closed'}
        {current.updatedBy ? `, last written by ${current.updatedBy} ${day(current.updatedAt)}` : ''}.
      </p>
      {mayWrite ? (
        <form
          className="brief"
          aria-label="Debrief"
          onSubmit={(e) => {
            e.preventDefault();
            const body: Record<string, string> = {};
            for (const [k, v] of Object.entries(answers)) if (v.trim()) body[k] = v.trim();
            void action.run(async () =>
              setCurrent(await request<Debrief>('PUT', `/saves/${enc(saveId)}/debrief`, body)),
            );
          }}
        >
          {DEBRIEF.map(([k, text]) => (
            <label key={k}>
              {text}
              <textarea
                rows={2}
                value={answers[k] ?? ''}
                onChange={(e) => setAnswers({ ...answers, [k]: e.target.value })}
              />
            </label>
          ))}
          <button type="submit" disabled={action.busy}>
            Save debrief
          </button>
        </form>
      ) : (
        <dl className="facts">
          {DEBRIEF.filter(([k]) => typeof current.answers[k] === 'string').map(([k, text]) => (
            <div key={k}>
              <dt>{text}</dt>
              <dd>{String(current.answers[k])}</dd>
            </div>
          ))}
        </dl>
      )}
      <ProblemBanner problem={action.problem} />
    </>
  );
}
