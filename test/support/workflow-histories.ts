import type { TestWorkflowEnvironment } from '@temporalio/testing';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { mkdirSync, writeFileSync } from 'node:fs';
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
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto/package.json'))] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

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
 * With RECORD_HISTORIES=1, remembers every workflow the spec starts through the test
 * client (start and signal-with-start) and, after each test, writes the history of each
 * one (its latest run) to test/fixtures/histories/<spec>--<test>--<workflow id>.json.
 * Without it nothing happens. Re-record after a deliberate change of workflow code that
 * old histories must not replay (see README, "Changing workflow code safely").
 */
export function recordHistoriesOf(spec: string, env: () => TestWorkflowEnvironment): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const started = new Set<string>();
  let wrapped: TestWorkflowEnvironment | undefined;
  beforeEach(() => {
    const e = env();
    if (wrapped === e) return;
    wrapped = e;
    const wf = e.client.workflow;
    const start = wf.start.bind(wf);
    const signalWithStart = wf.signalWithStart.bind(wf);
    wf.start = (async (type: unknown, options: { workflowId: string }) => {
      started.add(options.workflowId);
      return start(type as never, options as never);
    }) as typeof wf.start;
    wf.signalWithStart = (async (type: unknown, options: { workflowId: string }) => {
      started.add(options.workflowId);
      return signalWithStart(type as never, options as never);
    }) as typeof wf.signalWithStart;
  });
  afterEach(async () => {
    const test = expect.getState().currentTestName ?? 'test';
    mkdirSync(HISTORY_FIXTURES_DIR, { recursive: true });
    for (const workflowId of started) {
      const history = await env().client.workflow.getHandle(workflowId).fetchHistory();
      const name = `${spec}--${slug(test).slice(0, 60)}--${slug(workflowId)}.json`;
      writeFileSync(join(HISTORY_FIXTURES_DIR, name), `${historyToJson(history)}\n`);
    }
    started.clear();
  }, 60_000);
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

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
