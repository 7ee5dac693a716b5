import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflows, registerPolicies } from '../../apps/worker/src/workflow-bundle';
import { DEFAULT_POLICY } from '../../libs/domain/src';
import { HISTORY_FIXTURES_DIR, historyFromJson } from '../support/workflow-histories';

/**
 * Every recorded history (test/fixtures/histories, written by the workflow specs with
 * RECORD_HISTORIES=1) replays against the current workflow code without a
 * non-determinism error. A change that would break running workflows fails here; see
 * README, "Changing workflow code safely".
 */
describe('replay of recorded workflow histories', () => {
  let bundle: WorkflowBundleWithSourceMap;
  const fixtures = readdirSync(HISTORY_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const load = (file: string) =>
    JSON.parse(readFileSync(join(HISTORY_FIXTURES_DIR, file), 'utf8')) as { events: Array<Record<string, unknown>> };
  const typeOf = (file: string) =>
    (load(file).events[0]!['workflowExecutionStartedEventAttributes'] as { workflowType: { name: string } })
      .workflowType.name;

  beforeAll(async () => {
    // Registered like the workers of the specs that record the fixtures (test/support/workflow-testing.ts):
    // a history whose input names DEFAULT_POLICY by version replays with it.
    bundle = registerPolicies(await bundleWorkflows(), [DEFAULT_POLICY]);
  }, 120_000);

  it('has fixtures of every workflow type', () => {
    const types = new Set(fixtures.map(typeOf));
    expect([...types].sort()).toEqual([
      'accountRiskWorkflow',
      'policyBacktestWorkflow',
      'postSaveMonitoringWorkflow',
      'renewalWorkflow',
      'saveEffortWorkflow',
      'winBackWorkflow',
    ]);
  });

  it('has the continue-as-new command of each workflow that continues as new', () => {
    const lastEvent = (file: string) => load(file).events.at(-1)!;
    const continued = fixtures
      .filter((f) => lastEvent(f)['workflowExecutionContinuedAsNewEventAttributes'])
      .map(typeOf);
    expect(new Set(continued)).toEqual(
      new Set(['accountRiskWorkflow', 'policyBacktestWorkflow', 'postSaveMonitoringWorkflow']),
    );
  });

  it('replays every fixture with no non-determinism error', async () => {
    const histories = fixtures.map((file) => ({ workflowId: file, history: historyFromJson(load(file)) }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: bundle, replayName: 'fixtures' },
      histories,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(fixtures.length);
  }, 120_000);

  it('fails on a history the code could not have produced (the check can fail)', async () => {
    const file = fixtures.find((f) => typeOf(f) === 'renewalWorkflow')!;
    const mutated = load(file);
    // The first activity the workflow scheduled now names another activity.
    const scheduled = mutated.events.find((e) => e['activityTaskScheduledEventAttributes'])!;
    (scheduled['activityTaskScheduledEventAttributes'] as { activityType: { name: string } }).activityType.name =
      'someOtherActivity';
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'mutated' }, [
      { workflowId: `mutated-${file}`, history: historyFromJson(mutated) },
    ]))
      results.push(r);
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeInstanceOf(DeterminismViolationError);
  }, 120_000);
});
