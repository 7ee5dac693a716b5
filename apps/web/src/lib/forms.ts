/**
 * The first-run forms' pure rules: what each form sends (the bodies of POST /renewals,
 * POST /saves, POST /saves/{id}/triage and POST /saves/{id}/plan-items, as their DTOs in
 * apps/api/src declare them) and which of the api's field errors belong to which field.
 * No DOM, no clock. The api validates every body again; its problem is shown in the form.
 */
import { SEGMENTS } from '../../../../libs/domain/src/roles';
import { PLAN_TEMPLATE_KEYS } from '../../../../libs/domain/src/policy/sections/save.policy';
import { ROOT_CAUSES, SAVE_FACT_VALUES, STRATEGIC_FLAGS } from '../../../../libs/domain/src/saves/save-triage';
import type { Problem } from './types';

export { PLAN_TEMPLATE_KEYS, ROOT_CAUSES, SAVE_FACT_VALUES, SEGMENTS, STRATEGIC_FLAGS };

export type FactKey = keyof typeof SAVE_FACT_VALUES;
export type FlagKey = (typeof STRATEGIC_FLAGS)[number];
export const FACT_KEYS = Object.keys(SAVE_FACT_VALUES) as FactKey[];

/** How each §4.1 fact is asked (docs/rulebook.md, "Save triage"). */
export const FACT_QUESTIONS: Record<FactKey, string> = {
  issuesFixable: 'Can the issues be fixed?',
  relationship: 'Relationship',
  alternative: 'Alternative',
  budget: 'Budget',
  stakeholders: 'Stakeholders',
};

export const FLAG_LABELS: Record<FlagKey, string> = {
  logo: 'Logo',
  reference: 'Reference customer',
  caseStudy: 'Case study',
  growthPotential: 'Growth potential',
};

/** The messages of a problem's field errors for `field` (`account.timeZone`, `facts.budget`, ...). */
export function fieldMessages(problem: Problem | undefined, field: string): string[] {
  return (problem?.errors ?? []).filter((e) => e.field === field).map((e) => e.message);
}

/** The launch form as typed: every value a string (ARR in whole US dollars). */
export interface LaunchForm {
  accountId: string;
  name: string;
  arrDollars: string;
  segment: string;
  timeZone: string;
  ownerCsmId: string;
  csmManagerId: string;
  salesRepId: string;
  renewalDate: string;
}

/**
 * The body of POST /renewals: the account's facts (ARR in cents, people left out when not
 * given: absent people are none) and the renewal date. A value the form cannot turn into
 * what the DTO takes (an ARR that is not a number) is sent as typed, so the api names it.
 */
export function launchBody(f: LaunchForm): Record<string, unknown> {
  const arr = f.arrDollars.trim();
  const dollars = arr === '' ? NaN : Number(arr);
  const account: Record<string, unknown> = {
    id: f.accountId.trim(),
    name: f.name.trim(),
    arrCents: Number.isFinite(dollars) ? Math.round(dollars * 100) : arr,
    segment: f.segment,
    timeZone: f.timeZone.trim(),
    ownerCsmId: f.ownerCsmId.trim(),
  };
  if (f.csmManagerId.trim()) account.csmManagerId = f.csmManagerId.trim();
  if (f.salesRepId.trim()) account.salesRepId = f.salesRepId.trim();
  return { account, renewalDate: f.renewalDate };
}

/** The start-a-save form as chosen: each fact, the root cause, the trigger reasons one a line, the flags. */
export interface SaveStartForm {
  triggerReasons: string;
  facts: Record<FactKey, string>;
  rootCause: string;
  budgetRelated: boolean;
  strategicFlags: Record<FlagKey, boolean>;
}

/** The trigger reasons of a text area: one a line, blank lines left out. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The body of POST /saves for the renewal of `accountId` on `renewalDate` (the account's facts are Retain's, never sent). */
export function saveStartBody(accountId: string, renewalDate: string, f: SaveStartForm): Record<string, unknown> {
  const flags = Object.fromEntries(STRATEGIC_FLAGS.filter((k) => f.strategicFlags[k]).map((k) => [k, true]));
  return {
    accountId,
    renewalDate,
    triggerReasons: lines(f.triggerReasons),
    facts: { ...f.facts },
    rootCause: f.rootCause,
    ...(f.budgetRelated ? { budgetRelated: true } : {}),
    ...(Object.keys(flags).length ? { strategicFlags: flags } : {}),
  };
}

/** The re-triage form: the facts and flags as the user set them (it opens with the save's current ones), and the reason. */
export interface RetriageForm {
  facts: Partial<Record<FactKey, string>>;
  strategicFlags: Partial<Record<FlagKey, boolean>>;
  reason: string;
}

/** The save's facts and flags as they stand (GET /saves/{id}). */
export interface CurrentTriage {
  facts: Partial<Record<FactKey, string>>;
  strategicFlags: Partial<Record<FlagKey, boolean>>;
}

/** The form as it opens: the save's current facts and flags, no reason. */
export function retriageFormOf(current: CurrentTriage): RetriageForm {
  return {
    facts: { ...current.facts },
    strategicFlags: Object.fromEntries(STRATEGIC_FLAGS.map((k) => [k, current.strategicFlags[k] ?? false])),
    reason: '',
  };
}

/**
 * The body of POST /saves/{id}/triage: only the facts and flags that differ from the
 * save's current ones (the rest stay, as the route says), or null when none does (the
 * api would answer 400 SAVE.INVALID_CHANGE).
 */
export function retriageBody(f: RetriageForm, current: CurrentTriage): Record<string, unknown> | null {
  const facts = Object.fromEntries(
    FACT_KEYS.flatMap((k) => (f.facts[k] && f.facts[k] !== current.facts[k] ? [[k, f.facts[k]]] : [])),
  );
  const flags = Object.fromEntries(
    STRATEGIC_FLAGS.flatMap((k) => {
      const on = f.strategicFlags[k] ?? false;
      return on === (current.strategicFlags[k] ?? false) ? [] : [[k, on]];
    }),
  );
  if (!Object.keys(facts).length && !Object.keys(flags).length) return null;
  return {
    ...(Object.keys(facts).length ? { facts } : {}),
    ...(Object.keys(flags).length ? { strategicFlags: flags } : {}),
    ...(f.reason.trim() ? { reason: f.reason.trim() } : {}),
  };
}

/** The add-a-plan-item form; `dueAt` as a datetime-local value, read in the browser's time zone. */
export interface PlanItemForm {
  template: string;
  issueId: string;
  issue: string;
  rootCause: string;
  fix: string;
  owner: string;
  dueAt: string;
  successMetric: string;
}

/**
 * The body of POST /saves/{id}/plan-items: the fields given (a template fills the rest, as
 * the route says; without one every field is required, which the form asks first).
 * `toInstant` turns the datetime-local value into an ISO instant (the page passes the
 * browser's reading; the tests a fixed one).
 */
export function planItemBody(f: PlanItemForm, toInstant: (local: string) => string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (f.template) body.template = f.template;
  if (f.issueId) body.issueId = f.issueId;
  for (const k of ['issue', 'rootCause', 'fix', 'owner', 'successMetric'] as const)
    if (f[k].trim()) body[k] = f[k].trim();
  if (f.dueAt) body.dueAt = toInstant(f.dueAt);
  return body;
}
