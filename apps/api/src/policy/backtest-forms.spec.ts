import {
  DEFAULT_POLICY,
  backtestReport,
  emptyGroupCounts,
  emptyTally,
  sweepCandidates,
  type BacktestGroupCounts,
  type BacktestReport,
  type ThresholdSweep,
} from '@retain/domain';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestTables, parseBacktestArgs, readPolicyFile } from '../cli/backtest';
import { backtestCsv, backtestForm, backtestSweepSvg } from './backtest-forms';

const SWEEP: ThresholdSweep = {
  path: 'earlyWarning.usage.activeUsers.dropPctBySegment.smb',
  from: 20,
  to: 40,
  step: 10,
};

/**
 * A report over a hand-made tally: 10 smb accounts, 4 churned and 6 healthy, one CSM,
 * 28 days (4 weeks). Per sweep value, the totals of smb:
 *   20: 8 alerts (4 real, 4 not), 4 churns warned, 3 healthy flagged: TPR 4/4, FPR 3/6, precision 4/8;
 *   30: 5 alerts (4 real, 1 not), 3 churns warned, 1 healthy flagged: TPR 3/4, FPR 1/6, precision 4/5 = 0.8;
 *   40: 2 alerts (2 real),        1 churn warned,  0 healthy flagged: TPR 1/4, FPR 0/6, precision 2/2.
 * With the precision target from 0.7, 30 and 40 meet it; 30 has the higher TPR: recommended.
 */
function report(): BacktestReport {
  const sweep = sweepCandidates(DEFAULT_POLICY, SWEEP);
  const t = emptyTally();
  t.population = { smb: { accounts: 10, churned: 4, healthy: 6 }, '*': { accounts: 10, churned: 4, healthy: 6 } };
  t.csmIds = ['csm-1'];
  t.accountsRead = 10;
  t.eventsRead = 1234;
  const counts = (over: Partial<BacktestGroupCounts>): BacktestGroupCounts => ({ ...emptyGroupCounts(), ...over });
  const figures: Record<number, BacktestGroupCounts> = {
    20: counts({ alerts: 8, accountsFlagged: 7, realRisk: 4, noRisk: 4, churnsWarnedInTime: 4, healthyFlagged: 3 }),
    30: counts({ alerts: 5, accountsFlagged: 4, realRisk: 4, noRisk: 1, churnsWarnedInTime: 3, healthyFlagged: 1 }),
    40: counts({ alerts: 2, accountsFlagged: 1, realRisk: 2, noRisk: 0, churnsWarnedInTime: 1, healthyFlagged: 0 }),
  };
  t.byPolicy.current = { '*|*|smb': figures[30]!, '*|*|*': figures[30]! };
  for (const c of sweep) {
    const value = Number(c.label.split('=')[1]);
    t.byPolicy[c.label] = { '*|*|smb': figures[value]!, '*|*|*': figures[value]! };
  }
  return backtestReport(
    t,
    { current: DEFAULT_POLICY, candidates: sweep },
    { from: '2026-01-01', to: '2026-01-28' },
    SWEEP,
  );
}

describe('back-test answer forms', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['image/svg+xml', 'svg'],
    ['image/svg+xml;q=0.5, application/json;q=0.9', 'json'],
    ['text/csv;q=0.8, image/svg+xml', 'svg'],
    ['text/csv, application/json', 'json'],
    ['text/html', 'json'],
    ['image/svg+xml;q=0', 'json'],
  ])('Accept %p is answered as %s', (accept, form) => {
    expect(backtestForm(accept)).toBe(form);
  });

  it('writes one CSV row per policy and group, then one per sweep value', () => {
    const r = report();
    const lines = backtestCsv(r).trimEnd().split('\r\n');
    // 4 policies (current and 3 sweep values) x 2 groups ('*|*|*', '*|*|smb'), then 3 sweep rows.
    expect(lines).toHaveLength(1 + 4 * 2 + 3);
    const header = lines[0]!.split(',');
    const row30 = lines.find((l) => l.startsWith('sweep,') && l.split(',')[3] === '30')!.split(',');
    const at = (name: string) => row30[header.indexOf(name)];
    expect([at('segment'), at('meetsPrecisionTarget'), at('precision.numerator'), at('precision.denominator')]).toEqual(
      ['smb', 'true', '4', '5'],
    );
    expect([at('truePositiveRate.value'), at('falsePositiveRate.numerator')]).toEqual(['0.75', '1']);
  });

  it('charts each sweep value at its false-positive (x) and true-positive (y) rate, the recommended one ringed', () => {
    const r = report();
    expect(r.sweep!.recommendation.value).toBe(30);
    const svg = backtestSweepSvg(r.sweep!);
    // Plot 540 x 360 from (70, 50): x = 70 + FPR x 540, y = 50 + (1 - TPR) x 360.
    // 20: (70 + 0.5 x 540, 50) = (340, 50); 30: (70 + 540/6, 50 + 90) = (160, 140); 40: (70, 50 + 270) = (70, 320).
    expect(svg).toContain('points="340.0,50.0 160.0,140.0 70.0,320.0"');
    expect(svg.match(/<g class="point"/g)).toHaveLength(3);
    expect(svg).toContain('<circle cx="160.0" cy="140.0" r="9" fill="none" stroke="#d62728"');
    expect(svg).toContain('<title>30: TPR 75%, FPR 16.7%</title>');
  });

  it('labels values at the same point once, together, so their labels do not overprint', () => {
    const sweep = report().sweep!;
    // 40 given 30's rates: both at (160, 140); 20 alone at (340, 50).
    const same = {
      ...sweep,
      rows: sweep.rows.map((row) => (row.value === 40 ? { ...row, figures: sweep.rows[1]!.figures } : row)),
    };
    const svg = backtestSweepSvg(same);
    const labels = [...svg.matchAll(/<text x="[^"]+" y="[^"]+">([^<]*)<\/text><\/g>/g)].map((m) => m[1]);
    expect(labels).toEqual(['20', '30, 40']);
    // Each value keeps its own point and tooltip.
    expect(svg.match(/<g class="point"/g)).toHaveLength(3);
    expect(svg).toContain('<title>40: TPR 75%, FPR 16.7%</title>');
  });

  it('prints the report as terminal tables, the sweep with its recommendation', () => {
    const text = backtestTables(report());
    expect(text).toMatch(/^Back-test 2026-01-01\.\.2026-01-28: 10 accounts, 1234 events, 1 CSMs, 4\.0 weeks\n/);
    const row30 = text.split('\n').find((l) => /^30 /.test(l))!;
    // 5 alerts, 4 flagged, TPR 75.0%, FPR 16.7%, precision 80.0%, no lead days, 5 alerts / (1 CSM x 4 weeks) = 1.25.
    expect(row30.split(/\s+/)).toEqual(['30', '5', '4', '75.0%', '16.7%', '80.0%', '-', '1.25', 'yes']);
    const recommendation = report().sweep!.recommendation.text;
    expect(recommendation).toContain('30');
    expect(text.trimEnd().endsWith(recommendation)).toBe(true);
  });

  it.each([
    [['--from', '2026-01-01', '--to', '2026-12-31'], { from: '2026-01-01', to: '2026-12-31' }],
    [
      ['--policy', 'p.yaml', '--from', '2026-01-01', '--to', '2026-12-31', '--sweep', 'a.b=1..2:1'],
      { policy: 'p.yaml', from: '2026-01-01', to: '2026-12-31', sweep: 'a.b=1..2:1' },
    ],
    [['--from', '2026-01-01'], { problem: '--from and --to are required' }],
    [['--from'], { problem: '--from needs a value' }],
    [['--when', 'now'], { problem: 'unknown option --when' }],
  ])('reads the CLI arguments %p', (argv, expected) => {
    expect(parseBacktestArgs(argv)).toEqual(expected);
  });

  it('reads a policy file as JSON, or YAML for .yaml and .yml, and refuses one that holds no object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'retain-bt-cli-'));
    try {
      const settings = { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { smb: 20 } } } } };
      writeFileSync(join(dir, 'p.json'), JSON.stringify(settings));
      writeFileSync(
        join(dir, 'p.yml'),
        'earlyWarning:\n  usage:\n    activeUsers:\n      dropPctBySegment: { smb: 20 }\n',
      );
      writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
      expect(readPolicyFile(join(dir, 'p.json'))).toEqual(settings);
      expect(readPolicyFile(join(dir, 'p.yml'))).toEqual(settings);
      expect(() => readPolicyFile(join(dir, 'list.yaml'))).toThrow('must hold an object of policy settings');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
