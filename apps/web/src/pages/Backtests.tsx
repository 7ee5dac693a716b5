import { useMemo, useState } from 'react';
import type { ChartConfiguration } from 'chart.js';
import type {
  BacktestFigures,
  BacktestGroupReport,
  BacktestReport,
} from '../../../../libs/domain/src/policy-lab/backtest-report';
import { ChartCanvas, PALETTE } from '../chart';
import { Empty, Loading, ProblemBanner, Section } from '../components';
import { enc, withQuery } from '../lib/api';
import { label, pct } from '../lib/format';
import { useGet } from '../lib/hooks';
import type { BacktestPageView, BacktestSummary } from '../lib/types';

/** The group of every rule, severity and segment (the report's totals). */
const TOTALS = '*|*|*';

/**
 * Back-tests (docs/policy-lab.md): the newest ones (GET /policy/backtests), and the one
 * picked with its report (GET /policy/backtests/{id}): the policy in force beside each
 * candidate over the totals and per rule, and a sweep's rows with its recommendation and
 * its chart (true-positive against false-positive rate per value).
 */
export function BacktestsSection() {
  const list = useGet<BacktestPageView>(withQuery('/policy/backtests', { limit: 20 }));
  const [picked, setPicked] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  const shown = picked ?? items.find((b) => b.status === 'done')?.id ?? null;
  return (
    <Section title="Back-tests">
      <ProblemBanner problem={list.problem} />
      {list.data ? (
        items.length ? (
          <table data-testid="backtests">
            <caption>The newest back-tests (run one with `npm run cli -- backtest`)</caption>
            <thead>
              <tr>
                <th scope="col">Requested</th>
                <th scope="col">Period</th>
                <th scope="col">Candidates</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.id} aria-selected={b.id === shown}>
                  <td>
                    <button type="button" className="link" onClick={() => setPicked(b.id)}>
                      {b.requestedAt.slice(0, 16).replace('T', ' ')}
                    </button>
                  </td>
                  <td>
                    {b.period.from} – {b.period.to}
                  </td>
                  <td>{candidatesOf(b)}</td>
                  <td>{label(b.status)}</td>
                  <td className="num">{progressOf(b)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>No back-test yet: `npm run cli -- backtest --from … --to …` runs one (docs/policy-lab.md).</Empty>
        )
      ) : list.problem ? null : (
        <Loading what="back-tests" />
      )}
      {shown ? <BacktestDetail id={shown} /> : null}
    </Section>
  );
}

/** A sweep value's label (`path=value`) by the path's last key (`enterprise=30`); any other label as it is. */
function shortLabel(policyLabel: string): string {
  const eq = policyLabel.lastIndexOf('=');
  if (eq < 0) return policyLabel;
  const path = policyLabel.slice(0, eq);
  return `${path.slice(path.lastIndexOf('.') + 1)}${policyLabel.slice(eq)}`;
}

function candidatesOf(b: BacktestSummary): string {
  const names = b.candidates.map((c) => shortLabel(c.label)).join(', ');
  return b.sweep ? `${names} (sweep of ${String(b.sweep.path)})` : names || '—';
}

function progressOf(b: BacktestSummary): string {
  const { accountsDone, accountsTotal } = b.progress;
  return accountsTotal ? `${accountsDone} / ${accountsTotal} accounts` : `${accountsDone} accounts`;
}

interface BacktestDetailView extends BacktestSummary {
  report: BacktestReport | null;
}

function BacktestDetail({ id }: { id: string }) {
  const backtest = useGet<BacktestDetailView>(`/policy/backtests/${enc(id)}`);
  const b = backtest.data;
  return (
    <div className="backtest" data-testid="backtest-detail">
      <ProblemBanner problem={backtest.problem} />
      {b ? (
        <>
          <h3>
            {b.id}: {label(b.status)}
          </h3>
          <p>
            {b.period.from} – {b.period.to}, against the policy in force {b.currentPolicyVersion}; candidates{' '}
            {b.candidates.map((c) => `${shortLabel(c.label)} (${c.version})`).join(', ') || '—'}
            {b.error ? `; ${b.error}` : ''}
          </p>
          {b.report ? <ReportTables report={b.report} /> : <Empty>No report yet ({progressOf(b)}).</Empty>}
        </>
      ) : backtest.problem ? null : (
        <Loading what="the back-test" />
      )}
    </div>
  );
}

const FIGURES: Array<{ name: keyof BacktestFigures; title: string; show: (f: BacktestFigures) => string }> = [
  { name: 'alertsRaised', title: 'Alerts', show: (f) => count(f.alertsRaised) },
  { name: 'accountsFlagged', title: 'Accounts flagged', show: (f) => count(f.accountsFlagged) },
  { name: 'truePositiveRate', title: 'True-positive rate', show: (f) => rate(f.truePositiveRate) },
  { name: 'falsePositiveRate', title: 'False-positive rate', show: (f) => rate(f.falsePositiveRate) },
  { name: 'precision', title: 'Precision', show: (f) => rate(f.precision) },
  { name: 'medianLeadDays', title: 'Median lead (days)', show: (f) => count(f.medianLeadDays) },
  { name: 'alertLoad', title: 'Alerts per CSM-week', show: (f) => count(f.alertLoad, 2) },
];

type FigureValue = BacktestFigures[keyof BacktestFigures];

function count(f: FigureValue, digits = 0): string {
  return f.value === null ? '—' : f.value.toFixed(digits);
}

function rate(f: FigureValue): string {
  return `${pct(f.value)} (${f.numerator}/${f.denominator})`;
}

function ReportTables({ report }: { report: BacktestReport }) {
  const totals = report.policies.map((p) => ({
    label: p.label,
    version: p.version,
    group: p.groups.find((g) => g.key === TOTALS),
  }));
  // Per rule (every severity and segment): the rules any policy raised alerts of.
  const rules = [
    ...new Set(
      report.policies
        .flatMap((p) =>
          p.groups.filter((g) => g.group.severity === '*' && g.group.segment === '*' && g.group.ruleId !== '*'),
        )
        .map((g) => g.group.ruleId),
    ),
  ].sort();
  const byRule = (policy: string, ruleId: string): BacktestGroupReport | undefined =>
    report.policies.find((p) => p.label === policy)?.groups.find((g) => g.key === `${ruleId}|*|*`);
  return (
    <>
      <p>
        {report.accountsRead} accounts and {report.eventsRead} recorded events over {report.days} days.
      </p>
      <table data-testid="backtest-totals">
        <caption>Every rule, severity and segment: the policy in force beside each candidate</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            {totals.map((t) => (
              <th scope="col" key={t.label} title={`${t.label} (${t.version})`}>
                {shortLabel(t.label)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {FIGURES.map((f) => (
            <tr key={f.name}>
              <th scope="row">{f.title}</th>
              {totals.map((t) => (
                <td className="num" key={t.label}>
                  {t.group ? f.show(t.group.figures) : '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rules.length ? (
        <table data-testid="backtest-rules">
          <caption>Per rule: alerts and precision under each policy</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              {totals.map((t) => (
                <th scope="col" key={t.label} title={t.label}>
                  {shortLabel(t.label)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rules.map((ruleId) => (
              <tr key={ruleId}>
                <th scope="row">{label(ruleId)}</th>
                {totals.map((t) => {
                  const g = byRule(t.label, ruleId);
                  return (
                    <td className="num" key={t.label}>
                      {g ? `${count(g.figures.alertsRaised)} · ${pct(g.figures.precision.value)}` : '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {report.sweep ? <SweepTable sweep={report.sweep} /> : null}
    </>
  );
}

function SweepTable({ sweep }: { sweep: NonNullable<BacktestReport['sweep']> }) {
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'line',
      data: {
        datasets: [
          {
            label: 'true-positive against false-positive rate',
            data: sweep.rows.map((r) => ({
              x: r.figures.falsePositiveRate.value ?? 0,
              y: r.figures.truePositiveRate.value ?? 0,
            })),
            borderColor: PALETTE[0],
            backgroundColor: PALETTE[0],
          },
        ],
      },
      options: {
        scales: {
          x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'false-positive rate' } },
          y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'true-positive rate' } },
        },
      },
    }),
    [sweep],
  );
  return (
    <>
      <p data-testid="backtest-recommendation">{sweep.recommendation.text}</p>
      <ChartCanvas config={config} label={`Sweep of ${sweep.path}: true-positive against false-positive rate`} />
      <table data-testid="backtest-sweep">
        <caption>
          Sweep of {sweep.path} from {sweep.from} to {sweep.to} by {sweep.step} (group {sweep.key}; precision target{' '}
          {pct(sweep.precisionTarget.from)}–{pct(sweep.precisionTarget.to)})
        </caption>
        <thead>
          <tr>
            <th scope="col">Value</th>
            <th scope="col">Alerts</th>
            <th scope="col">True-positive rate</th>
            <th scope="col">False-positive rate</th>
            <th scope="col">Precision</th>
            <th scope="col">Meets target</th>
          </tr>
        </thead>
        <tbody>
          {sweep.rows.map((r) => (
            <tr key={r.label} aria-current={r.value === sweep.recommendation.value ? 'true' : undefined}>
              <th scope="row">{r.value}</th>
              <td className="num">{count(r.figures.alertsRaised)}</td>
              <td className="num">{rate(r.figures.truePositiveRate)}</td>
              <td className="num">{rate(r.figures.falsePositiveRate)}</td>
              <td className="num">{rate(r.figures.precision)}</td>
              <td>{r.meetsPrecisionTarget ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
