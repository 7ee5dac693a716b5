import { STORABLE_TEXT_MESSAGE, isStorableText } from '../text';

/**
 * The account's profile (docs/rulebook.md §1, "Account profile"): what kind of customer it
 * is and who stands for it on the customer's side. Facts like the name or the ARR, with
 * the same two writers (cs_ops and the CRM, docs/access.md "Account facts"); what the
 * rules read of it: the vertical picks the seasonal windows (§5.5), and a sponsor
 * departure marks the executive sponsor departed (§5.2). Pure: no clock, no I/O.
 */

/**
 * The industries an account can belong to. A seasonal window (policy
 * `earlyWarning.overload.seasonal[].verticals`) names these: `education` has its summer.
 */
export const VERTICALS = [
  'education',
  'healthcare',
  'financial_services',
  'retail',
  'public_sector',
  'technology',
  'manufacturing',
  'other',
] as const;
export type Vertical = (typeof VERTICALS)[number];

/**
 * Where the customer stands in its life with the product (the stages of docs/rulebook.md
 * §1): onboarding (the first 90 days), adoption (months 3 to 12), maturity (2 years and
 * more), renewal (the 90 days before a renewal date). Stated by cs_ops or the CRM, not
 * computed; no rule reads it yet.
 */
export const LIFECYCLE_STAGES = ['onboarding', 'adoption', 'maturity', 'renewal'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** A person on the customer's side, as cs_ops or the CRM names them. */
export interface StatedContact {
  name: string;
  email?: string | null;
  title?: string | null;
}

/** A contact as the profile keeps it: `departedAt` is set when a sponsor departure reports them gone. */
export interface AccountContact {
  name: string;
  email: string | null;
  title: string | null;
  departedAt: string | null;
}

export interface AccountProfile {
  vertical: Vertical | null;
  executiveSponsor: AccountContact | null;
  champion: AccountContact | null;
  lifecycleStage: LifecycleStage | null;
  /**
   * Since when the company is a customer (a calendar date, YYYY-MM-DD): the start of its
   * tenure, which the programme metrics measure at churn (docs/metrics.md, "Tenure at
   * churn"). Stated, like the rest; accounts known before it have none.
   */
  customerSince: string | null;
}

/** The profile fields, in the order the api shows them. */
export const ACCOUNT_PROFILE_FIELDS = [
  'vertical',
  'executiveSponsor',
  'champion',
  'lifecycleStage',
  'customerSince',
] as const;

export const CONTACT_NAME_MAX = 200;
export const CONTACT_TITLE_MAX = 200;
export const CONTACT_EMAIL_MAX = 254;
/** An address with one @, something before it and a dotted domain after it, no spaces. */
export const CONTACT_EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

export function isVertical(value: unknown): value is Vertical {
  return typeof value === 'string' && (VERTICALS as readonly string[]).includes(value);
}

export function isLifecycleStage(value: unknown): value is LifecycleStage {
  return typeof value === 'string' && (LIFECYCLE_STAGES as readonly string[]).includes(value);
}

/**
 * Field errors of a stated contact (`{ name, email?, title? }`), fields named relative to
 * it; empty when valid. The event catalogue checks CRM payloads by it; the api's DTO
 * applies the same bounds and pattern.
 */
export function contactProblems(value: unknown): Array<{ field: string; message: string }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [{ field: '', message: 'must be an object { name, email?, title? } or null' }];
  const c = value as Record<string, unknown>;
  const errors: Array<{ field: string; message: string }> = [];
  for (const k of ['name', 'email', 'title'])
    if (typeof c[k] === 'string' && !isStorableText(c[k])) errors.push({ field: k, message: STORABLE_TEXT_MESSAGE });
  if (errors.length) return errors;
  if (typeof c.name !== 'string' || c.name.trim() === '')
    errors.push({ field: 'name', message: 'must be a non-empty string' });
  else if (c.name.length > CONTACT_NAME_MAX)
    errors.push({ field: 'name', message: `must be at most ${CONTACT_NAME_MAX} characters` });
  if (Object.hasOwn(c, 'email') && c.email != null) {
    if (typeof c.email !== 'string' || c.email.length > CONTACT_EMAIL_MAX || !CONTACT_EMAIL_PATTERN.test(c.email))
      errors.push({ field: 'email', message: 'must be an email address' });
  }
  if (Object.hasOwn(c, 'title') && c.title != null) {
    if (typeof c.title !== 'string' || c.title.trim() === '')
      errors.push({ field: 'title', message: 'must be a non-empty string' });
    else if (c.title.length > CONTACT_TITLE_MAX)
      errors.push({ field: 'title', message: `must be at most ${CONTACT_TITLE_MAX} characters` });
  }
  for (const k of Object.keys(c))
    if (!['name', 'email', 'title'].includes(k)) errors.push({ field: k, message: 'unknown field' });
  return errors;
}

/** A newly named contact as the profile keeps it: trimmed, in place (not departed). */
export function statedContact(c: StatedContact): AccountContact {
  const title = c.title?.trim() || null;
  return { name: c.name.trim(), email: c.email?.trim() || null, title, departedAt: null };
}

/** Whether two names are the same person's as people write them: case, spacing and width aside. */
export function sameContactName(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return norm(a) === norm(b);
}

/**
 * What a `sponsor_departure` event (§5.2) does to the profile's executive sponsor: the
 * sponsor marked departed at the event's time, or null when the profile stays as it is:
 * no sponsor on record, the sponsor already marked departed, or the event naming someone
 * else (the profile's sponsor is not the one who left; the alert fires all the same). The
 * departed sponsor stays on the profile until cs_ops or the CRM names the successor.
 */
export function sponsorAfterDeparture(
  sponsor: AccountContact | null,
  departure: { contactName?: string | null; occurredAt: string },
): AccountContact | null {
  if (!sponsor || sponsor.departedAt !== null) return null;
  if (departure.contactName && !sameContactName(departure.contactName, sponsor.name)) return null;
  return { ...sponsor, departedAt: departure.occurredAt };
}
