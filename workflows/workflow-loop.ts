/**
 * The skeleton every Retain workflow shares (docs/decisions/0004-workflows-as-wiring.md):
 * applying an event id once, an outbox of notifications flushed before the state is
 * recorded, continuing as new only when nothing is left to write, and sleeping until
 * the next due time or until a handler changes something. The workflows differ only
 * in their decisions; the order of the commands this produces is the order the
 * recorded histories hold, so it must not change.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { setHandler } from '@temporalio/workflow';

/**
 * Registers an update whose validator may refuse it (with `refuse()`, refusals.ts):
 * a refused update changes nothing and is not written to the history.
 */
export function handleUpdate<Ret, Args extends unknown[]>(
  update: UpdateDefinition<Ret, Args>,
  apply: (...args: Args) => Ret,
  check: (...args: Args) => void,
): void {
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
  for (const t of dueTimes)
    if (t !== undefined && t !== null && Number.isFinite(t) && (first === undefined || t < first)) first = t;
  return first;
}

/** How long to sleep until the earliest due time (at least 1 ms), or undefined to sleep until woken. */
export function sleepFor(dueTimes: ReadonlyArray<number | null | undefined>): number | undefined {
  const next = earliest(dueTimes);
  return next === undefined ? undefined : Math.max(1, next - Date.now());
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
 *
 * Every method is synchronous on purpose: the loop awaits its activities and timers
 * itself, inline, so the commands (and update answers) a run emits keep the order the
 * recorded histories hold; an extra await between a wake-up and a command would move
 * an update's completion past the command and break replay.
 */
export class WorkflowProgress<N> {
  /** The first pass always records the state. */
  private changed = true;
  private awake = false;
  private readonly outbox: N[] = [];

  /** A handler changed the state: record it and wake the loop. */
  touch(): void {
    this.changed = true;
    this.awake = true;
  }

  /** The loop changed the state itself: record it on this pass. */
  markChanged(): void {
    this.changed = true;
  }

  notify(notification: N): void {
    this.outbox.push(notification);
  }

  /** The next notification to send (the loop sends them in order, then the state). */
  nextToSend(): N | undefined {
    return this.outbox[0];
  }

  /** The notification `nextToSend()` gave was sent. */
  sent(): void {
    this.outbox.shift();
  }

  /**
   * Whether the state must be recorded now; if so it is taken as recorded, with its
   * revision raised and its time of change set, and the loop writes it.
   */
  takeChange(state: RecordedState): boolean {
    if (!this.changed) return false;
    this.changed = false;
    state.revision += 1;
    state.updatedAt = new Date().toISOString();
    return true;
  }

  /** Nothing left to send or record. */
  get settled(): boolean {
    return !this.changed && this.outbox.length === 0;
  }

  /** Whether a handler woke the loop since it went to sleep. */
  get woken(): boolean {
    return this.awake;
  }

  /** Goes to sleep: answers false (stay awake) while something is left to write. */
  mayRest(): boolean {
    this.awake = false;
    return this.settled;
  }
}
