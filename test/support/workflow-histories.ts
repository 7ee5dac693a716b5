import type { WorkflowClient } from '@temporalio/client';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

type History = proto.temporal.api.history.v1.IHistory;
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

/*
 * The SDK's historyToJSON/historyFromJSON (@temporalio/common) fail here with "type must
 * be a Type": npm installs two copies of protobufjs 8 (one under @temporalio/common, one
 * under @temporalio/proto) and the JSON extension of one does not accept the other's
 * types. These use the extension of the copy @temporalio/proto was built with; the JSON
 * is Temporal's standard history JSON (what `temporal workflow show -o json` writes).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @temporalio/proto's own protobufjs on purpose
const protojson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto/package.json'))] }),
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)));
}

export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a workflow history');
  return history;
}

/** Where recorded histories live; test/replay replays every one of them. */
export const HISTORY_FIXTURES_DIR = resolve(__dirname, '../fixtures/histories');

/**
 * With RECORD_HISTORIES=1, writes the history of every workflow a test started through
 * the test client (`startedIds`: start, execute and signal-with-start, tracked by
 * timeSkippingSuite) to test/fixtures/histories/<spec>--<test>--<workflow id>.json (its
 * latest run), plus, when it continued as new, its first run (`...--run-1.json`, the one
 * that ended with the continue-as-new command), and the same for every child workflow
 * those histories started. Without it nothing is written. RECORD_HISTORIES_DIR writes
 * elsewhere (to compare or pick before replacing fixtures). Re-record after a deliberate
 * change of workflow code that old histories must not replay (see README, "Changing
 * workflow code safely").
 */
export async function recordHistories(
  spec: string,
  testName: string,
  client: WorkflowClient,
  startedIds: Iterable<string>,
): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const dir = process.env.RECORD_HISTORIES_DIR ? resolve(process.env.RECORD_HISTORIES_DIR) : HISTORY_FIXTURES_DIR;
  const prefix = `${spec}--${slug(testName).slice(0, 60)}--`;
  mkdirSync(dir, { recursive: true });
  // A re-recorded test replaces its fixtures (ids carry dates that move between runs).
  for (const old of readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json'))) rmSync(join(dir, old));
  const names = new Set<string>();
  const write = (workflowId: string, history: History, suffix = '') => {
    // The id without its dates (the test server's clock moves between recordings), so
    // a re-recording rewrites the same files; a second id of the same name gets -2.
    const base = slug(workflowId.replace(/:?\d{4}-\d{2}-\d{2}/g, ''));
    let name = base;
    for (let n = 2; names.has(name + suffix); n++) name = `${base}-${n}`;
    names.add(name + suffix);
    writeFileSync(join(dir, `${prefix}${name}${suffix}.json`), `${historyToJson(history)}\n`);
  };
  const queue = [...startedIds];
  const done = new Set<string>();
  for (let workflowId = queue.shift(); workflowId !== undefined; workflowId = queue.shift()) {
    if (done.has(workflowId)) continue;
    done.add(workflowId);
    const latest = await client.getHandle(workflowId).fetchHistory();
    // Earlier runs of a continue-as-new chain, back to the first.
    const runs = [latest];
    for (let previous = continuedFrom(latest); previous; previous = continuedFrom(runs.at(-1)!))
      runs.push(await client.getHandle(workflowId, previous).fetchHistory());
    write(workflowId, latest);
    if (runs.length > 1) write(workflowId, runs.at(-1)!, '--run-1');
    for (const run of runs) queue.push(...childrenOf(run));
  }
}

/** The workflows these started as children (directly), from their histories. */
export async function childWorkflowIds(client: WorkflowClient, workflowIds: Iterable<string>): Promise<string[]> {
  const children: string[] = [];
  for (const id of workflowIds) children.push(...childrenOf(await client.getHandle(id).fetchHistory()));
  return children;
}

const startedAttributes = (history: History) => history.events?.[0]?.workflowExecutionStartedEventAttributes;
const continuedFrom = (history: History): string | undefined =>
  startedAttributes(history)?.continuedExecutionRunId || undefined;
const childrenOf = (history: History): string[] =>
  (history.events ?? []).flatMap(
    (e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId ?? [],
  );

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Worker options the workflow specs add to every worker: WORKFLOW_CACHE_SIZE (set by the
 * `workflow-nocache` jest project to 0) makes every workflow task replay from history.
 */
export function workerCacheOptions(): { maxCachedWorkflows?: number } {
  const size = process.env.WORKFLOW_CACHE_SIZE;
  return size === undefined || size === '' ? {} : { maxCachedWorkflows: Number(size) };
}

/**
 * A test's time limit, four times longer without a workflow cache: replaying a year of
 * weekly checks on every task is slow, and the limit guards against a hang, not speed.
 */
export function timeout(ms: number): number {
  return process.env.WORKFLOW_CACHE_SIZE === '0' ? ms * 4 : ms;
}
