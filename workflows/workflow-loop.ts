/**
 * The skeleton every Retain workflow shares (docs/decisions/0004-workflows-as-wiring.md):
 * applying an event id once, an outbox of notifications flushed before the state is
 * recorded, continuing as new only when nothing is left to write, and sleeping until
 * the next due time or until a handler changes something. The workflows differ only
 * in their decisions; the order of the commands this produces is the order the
 * recorded histories hold, so it must not change.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';

/**
 * Registers an update whose validator may refuse it (with `refuse()`, refusals.ts):
 * a refused update changes nothing and is not written to the history.
 */
export function handleUpdate<Ret, Args extends unknown[]>(update: UpdateDefinition<Ret, Args>, apply: (...args: Args) => Ret, check: (...args: Args) => void): void {
  setHandler(update, apply, { validator: check });
}

/** Event ids kept for de-duplication; far more than a workflow run ever receives. */
export const MAX_APPLIED_EVENT_IDS = 5_000;

/** Whether the event id was applied already. */
export function wasApplied(applied: readonly string[], eventId: string): boolean {
  return applied.includes(eventId);
}

/** Records an applied event id, keeping the newest {@link MAX_APPLIED_EVENT_IDS}: the one trim rule. */
export function rememberApplied(applied: string[], eventId: string): void {
  applied.push(eventId);
  if (applied.length > MAX_APPLIED_EVENT_IDS) applied.splice(0, applied.length - MAX_APPLIED_EVENT_IDS);
}

/** Records the event id and answers true the first time; false for a repeat (apply nothing then). */
export function applyOnce(applied: string[], eventId: string): boolean {
  if (wasApplied(applied, eventId)) return false;
  rememberApplied(applied, eventId);
  return true;
}

/** The earliest of the due times given (undefined ones are ignored), or undefined when none is. */
export function earliest(dueTimes: ReadonlyArray<number | null | undefined>): number | undefined {
  let first: number | undefined;
  for (const t of dueTimes) if (t !== undefined && t !== null && Number.isFinite(t) && (first === undefined || t < first)) first = t;
  return first;
}

/** Waits until the predicate holds or the earliest due time comes (a durable timer), whichever is first. */
export async function waitUntil(predicate: () => boolean, dueTimes: ReadonlyArray<number | null | undefined>): Promise<void> {
  const next = earliest(dueTimes);
  if (next === undefined) await condition(predicate);
  else await condition(predicate, Math.max(1, next - Date.now()));
}

/** The state fields the skeleton maintains on every record. */
export interface RecordedState {
  revision: number;
  updatedAt: string;
}

/**
 * What a workflow run still has to write: the notifications it decided on (an outbox
 * delivered in order, each removed only once sent) and whether its state changed since
 * it was last recorded. Handlers `touch()` it, which also wakes the loop.
 */
export class WorkflowProgress<N> {
  /** The first pass always records the state. */
  private changed = true;
  private woken = false;
  private readonly outbox: N[] = [];

  /** A handler changed the state: record it and wake the loop. */
  touch(): void {
    this.changed = true;
    this.woken = true;
  }

  /** The loop changed the state itself: record it on this pass. */
  markChanged(): void {
    this.changed = true;
  }

  notify(notification: N): void {
    this.outbox.push(notification);
  }

  /** Nothing left to send or record. */
  get settled(): boolean {
    return !this.changed && this.outbox.length === 0;
  }

  /**
   * Sends the notifications first, then records the state when it changed (with its
   * revision raised and its time of change), through `record`.
   */
  async flush(state: RecordedState, send: (n: N) => Promise<void>, record: () => Promise<void>): Promise<void> {
    while (this.outbox.length) await send(this.outbox[0]!).then(() => this.outbox.shift());
    if (!this.changed) return;
    this.changed = false;
    state.revision += 1;
    state.updatedAt = new Date().toISOString();
    await record();
  }

  /**
   * When `due`, lets the running handlers finish and continues as new through `next`
   * if nothing is left to write (otherwise the loop writes it first and comes back).
   */
  async continueAsNewWhen(due: boolean, next: () => Promise<never>): Promise<void> {
    if (!due) return;
    await condition(allHandlersFinished);
    if (this.settled) await next();
  }

  /**
   * Sleeps until a handler touches the state or the earliest due time comes; returns
   * at once while something is left to write.
   */
  async sleepUntil(dueTimes: ReadonlyArray<number | null | undefined>): Promise<void> {
    this.woken = false;
    if (!this.settled) return;
    await waitUntil(() => this.woken, dueTimes);
  }
}
