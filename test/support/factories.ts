import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_POLICY, type Role, type SaveProbabilityFacts } from '@retain/domain';
import type { AccountSnapshot, WinBackState } from '@retain/workflows';

/**
 * Builders for the bodies and records tests keep writing: an account, the facts of a save
 * worth trying, a save start, the org chart's people and a signed event. Each returns a
 * plain default that a test overrides with only what it is about, so a test names the
 * facts it depends on and nothing else.
 */

/** An account's facts as cs_ops sends them (`account` of `POST /renewals`, `PATCH /accounts/{id}`). */
export interface AccountFacts {
  id: string;
  name: string;
  arrCents: number;
  segment: 'enterprise' | 'mid_market' | 'smb';
  timeZone: string;
  ownerCsmId: string;
  csmManagerId?: string;
  salesRepId?: string;
  /** The profile (docs/rulebook.md §1): absent keeps what the account has. */
  vertical?: string | null;
  lifecycleStage?: string | null;
  executiveSponsor?: { name: string; email?: string | null; title?: string | null } | null;
  champion?: { name: string; email?: string | null; title?: string | null } | null;
}

/** An enterprise account of 150,000 in UTC owned by `csm-1` under `mgr-1`; `over` says what the test is about. */
export function anAccount(id: string, over: Partial<Omit<AccountFacts, 'id'>> = {}): AccountFacts {
  return {
    id,
    name: `${id} KK`,
    arrCents: 15_000_000,
    segment: 'enterprise',
    timeZone: 'UTC',
    ownerCsmId: 'csm-1',
    csmManagerId: 'mgr-1',
    ...over,
  };
}

/** The same account as workflows and activities hold it: people not known are `null`. */
export function anAccountSnapshot(id: string, over: Partial<Omit<AccountSnapshot, 'id'>> = {}): AccountSnapshot {
  return {
    id,
    name: `${id} KK`,
    arrCents: 15_000_000,
    segment: 'enterprise',
    timeZone: 'UTC',
    ownerCsmId: 'csm-1',
    csmManagerId: 'mgr-1',
    salesRepId: null,
    ...over,
  };
}

/** Qualification facts of a save worth trying (fixable issues, a good relationship, budget confirmed). */
export function savableFacts(over: Partial<SaveProbabilityFacts> = {}): SaveProbabilityFacts {
  return {
    issuesFixable: 'yes',
    relationship: 'good',
    alternative: 'evaluating',
    budget: 'confirmed',
    stakeholders: 'engaged',
    ...over,
  };
}

/** A `POST /saves` body for the renewal of `accountId` on `renewalDate`. */
export function aSaveStart(
  accountId: string,
  renewalDate: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    accountId,
    renewalDate,
    triggerReasons: ['competitor evaluation'],
    facts: savableFacts(),
    rootCause: 'service_experience',
    ...over,
  };
}

/** One person of the org chart: role, user id and the manager they report to. */
export type Person = readonly [role: Role, userId: string, managerId?: string];

/** Anything that issues a key for a principal (the e2e stack, the reliability cluster). */
export interface KeyIssuer {
  keyFor(role: Role, userId: string, options?: { managerId?: string; scopes?: string[] }): Promise<string>;
}

/** Issues a key for each person, managers first as listed; returns the keys by user id. */
export async function keysFor(issuer: KeyIssuer, people: readonly Person[]): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [role, userId, managerId] of people)
    keys[userId] = await issuer.keyFor(role, userId, managerId ? { managerId } : {});
  return keys;
}

/** `raw` signed the Standard Webhooks way, as any integration's library signs it: the body and its three headers. */
export function signedEvent(
  secret: string,
  body: unknown,
  at = new Date(),
): { rawBody: string; headers: Record<string, string> } {
  const rawBody = JSON.stringify(body);
  const id = `msg_${randomUUID()}`;
  return {
    rawBody,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, rawBody),
    },
  };
}

/** A win-back of `account`'s renewal on 2027-01-15, churned at `at`: its first touchpoint open, the second scheduled. */
export function aWinBackState(
  account: AccountSnapshot,
  at: string,
  revision: number,
  over: Partial<WinBackState> = {},
): WinBackState {
  return {
    winBackId: `winback:${account.id}:2027-01-15`,
    account: account,
    renewalId: `renewal:${account.id}:2027-01-15`,
    renewalDate: '2027-01-15',
    saveId: null,
    churnedAt: at,
    reason: 'price',
    competitor: null,
    status: 'active',
    touchpoints: [
      {
        kind: 'check_in',
        afterMonths: 3,
        at: '2027-04-01T07:00:00.000Z',
        dueAt: '2027-04-15T07:00:00.000Z',
        taskState: 'open',
        completedAt: null,
        completedBy: null,
        note: null,
        escalatedAt: null,
      },
      {
        kind: 'relevant_updates',
        afterMonths: 6,
        at: '2027-07-01T07:00:00.000Z',
        dueAt: '2027-07-15T07:00:00.000Z',
        taskState: 'scheduled',
        completedAt: null,
        completedBy: null,
        note: null,
        escalatedAt: null,
      },
    ],
    outcome: null,
    endsAt: '2028-02-01T07:00:00.000Z',
    policyVersion: DEFAULT_POLICY.version,
    startedAt: at,
    updatedAt: at,
    revision,
    ...over,
  };
}
