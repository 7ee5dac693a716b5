import { useEffect, useMemo, useState } from 'react';
import type { ChartConfiguration } from 'chart.js';
import { ChartCanvas, PALETTE } from '../chart';
import { Empty, Loading, ProblemBanner, Section } from '../components';
import { get, withQuery } from '../lib/api';
import { label, may, money, pct, quarters } from '../lib/format';
import { asProblem, useGet } from '../lib/hooks';
import type { AlertMetrics, Problem, RenewalMetrics, SaveMetrics } from '../lib/types';
import { useSession } from '../session';
import { BacktestsSection } from './Backtests';

interface Trend {
  label: string;
  saveRate: number | null;
  grr: number | null;
  nrr: number | null;
}

/** Metrics: save rate, GRR and NRR by quarter, the forecast by risk category, alert precision by type, back-tests. */
export function MetricsPage() {
  const { me } = useSession();
  const [today] = useState(() => new Date().toISOString().slice(0, 10));
  const periods = useMemo(() => quarters(today, 4), [today]);
  const [trend, setTrend] = useState<Trend[] | undefined>();
  const [trendProblem, setTrendProblem] = useState<Problem | undefined>();
  useEffect(() => {
    let live = true;
    Promise.all(
      periods.map(async (p) => {
        const q = { from: p.from, to: p.to, groupBy: '' };
        const [s, r] = await Promise.all([
          get<SaveMetrics>(withQuery('/metrics/saves', q)),
          get<RenewalMetrics>(withQuery('/metrics/renewals', q)),
        ]);
        return { label: p.label, saveRate: s.total.successRate.value, grr: r.total.grr.value, nrr: r.total.nrr.value };
      }),
    ).then(
      (t) => live && setTrend(t),
      (e: unknown) => live && setTrendProblem(asProblem(e)),
    );
    return () => {
      live = false;
    };
  }, [periods]);
  const forecast = useGet<RenewalMetrics>(withQuery('/metrics/renewals', { groupBy: '' }));
  const alerts = useGet<AlertMetrics>(withQuery('/metrics/alerts', { groupBy: 'ruleId' }));

  const trendChart = useMemo<ChartConfiguration | undefined>(
    () =>
      trend && {
        type: 'line',
        data: {
          labels: trend.map((t) => t.label),
          datasets: [
            {
              label: 'Save rate',
              data: trend.map((t) => t.saveRate),
              borderColor: PALETTE[0],
              backgroundColor: PALETTE[0],
            },
            { label: 'GRR', data: trend.map((t) => t.grr), borderColor: PALETTE[1], backgroundColor: PALETTE[1] },
            { label: 'NRR', data: trend.map((t) => t.nrr), borderColor: PALETTE[2], backgroundColor: PALETTE[2] },
          ],
        },
        options: { scales: { y: { ticks: { callback: (v) => pct(Number(v)) } } } },
      },
    [trend],
  );
  const categories = forecast.data?.total.forecast.categories ?? [];
  const forecastChart = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: categories.map((c) => c.category),
        datasets: [
          { label: 'ARR due', data: categories.map((c) => c.arrCents / 100), backgroundColor: PALETTE[0] },
          { label: 'Expected ARR', data: categories.map((c) => c.expectedArrCents / 100), backgroundColor: PALETTE[2] },
        ],
      },
    }),
    [categories],
  );
  const byType = alerts.data?.groups ?? [];
  const precisionChart = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: byType.map((g) => g.key.ruleId ?? '?'),
        datasets: [{ label: 'Precision', data: byType.map((g) => g.precision.value), backgroundColor: PALETTE[3] }],
      },
      options: { indexAxis: 'y', scales: { x: { min: 0, max: 1 } } },
    }),
    [byType],
  );

  return (
    <>
      <h1>Metrics</h1>
      <Section title="Save rate, GRR and NRR by quarter">
        <ProblemBanner problem={trendProblem} />
        {trend && trendChart ? (
          <>
            <ChartCanvas config={trendChart} label="Save rate, GRR and NRR by quarter: figures in the table below" />
            <table className="list">
              <caption>By quarter</caption>
              <thead>
                <tr>
                  <th scope="col">Quarter</th>
                  <th scope="col" className="num">
                    Save rate
                  </th>
                  <th scope="col" className="num">
                    GRR
                  </th>
                  <th scope="col" className="num">
                    NRR
                  </th>
                </tr>
              </thead>
              <tbody>
                {trend.map((t) => (
                  <tr key={t.label}>
                    <th scope="row">{t.label}</th>
                    <td className="num">{pct(t.saveRate)}</td>
                    <td className="num">{pct(t.grr)}</td>
                    <td className="num">{pct(t.nrr)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : trendProblem ? null : (
          <Loading what="the trend" />
        )}
      </Section>
      <Section title="Forecast by risk category">
        <ProblemBanner problem={forecast.problem} />
        {forecast.data ? (
          categories.length ? (
            <>
              <ChartCanvas
                config={forecastChart}
                label="ARR due and expected ARR by risk category: figures in the table below"
              />
              <table className="list">
                <caption>Undecided renewals from today</caption>
                <thead>
                  <tr>
                    <th scope="col">Category</th>
                    <th scope="col" className="num">
                      Renewals
                    </th>
                    <th scope="col" className="num">
                      ARR
                    </th>
                    <th scope="col" className="num">
                      Probability
                    </th>
                    <th scope="col" className="num">
                      Expected ARR
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {categories.map((c) => (
                    <tr key={c.category}>
                      <th scope="row">{label(c.category)}</th>
                      <td className="num">{c.renewals}</td>
                      <td className="num">{money(c.arrCents)}</td>
                      <td className="num">{pct(c.probability)}</td>
                      <td className="num">{money(c.expectedArrCents)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <Empty>No undecided renewal.</Empty>
          )
        ) : forecast.problem ? null : (
          <Loading what="the forecast" />
        )}
      </Section>
      <Section title="Alert precision by type">
        <ProblemBanner problem={alerts.problem} />
        {alerts.data ? (
          byType.length ? (
            <>
              <ChartCanvas config={precisionChart} label="Alert precision by alert type: figures in the table below" />
              <table className="list">
                <caption>Alerts of the last 12 months by type</caption>
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col" className="num">
                      Alerts
                    </th>
                    <th scope="col" className="num">
                      Precision
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {byType.map((g) => (
                    <tr key={g.key.ruleId ?? '?'}>
                      <th scope="row">{g.key.ruleId}</th>
                      <td className="num">{g.alerts.value ?? g.alerts.numerator}</td>
                      <td className="num">
                        {pct(g.precision.value)} ({g.precision.numerator}/{g.precision.denominator})
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <Empty>No alert in the period.</Empty>
          )
        ) : alerts.problem ? null : (
          <Loading what="alert metrics" />
        )}
      </Section>
      {may(me, 'backtest.read') ? <BacktestsSection /> : null}
    </>
  );
}
