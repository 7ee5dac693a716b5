import { CSM_FLAG_LEVELS, type CsmFlagLevel, type IntegrationEventPayloads } from '../early-warning/event-catalogue';
import type { ConnectorSignal } from './connector-mapping';

/**
 * What a CRM's contacts, meetings and risk flags say, read the same way for HubSpot and
 * Salesforce (docs/connectors/hubspot.md, docs/connectors/salesforce.md): a contact no
 * longer holding the executive sponsor or champion role it held in the object's earlier
 * events is a sponsor departure or a stakeholder change, a meeting's outcome a meeting
 * held or cancelled of its kind, a risk flag the CSM's flag at its level. Each connector
 * reads its own role values, outcome values and texts; the meaning is this one. Pure.
 */

/**
 * The signals of a contact who held the executive sponsor or the champion role and holds
 * it no more (the role taken off, or the contact gone): a sponsor departure (part
 * `sponsor`), then a stakeholder change (part `champion`); none when it lost neither.
 */
export function lostRoleSignals(
  lost: { sponsor: boolean; champion: boolean },
  sponsor: IntegrationEventPayloads['sponsor_departure'],
  champion: IntegrationEventPayloads['stakeholder_change'],
): ConnectorSignal[] {
  const signals: ConnectorSignal[] = [];
  if (lost.sponsor) signals.push({ part: 'sponsor', type: 'sponsor_departure', payload: sponsor });
  if (lost.champion) signals.push({ part: 'champion', type: 'stakeholder_change', payload: champion });
  return signals;
}

export type MeetingKind = 'qbr' | 'check_in' | 'training' | 'other';

/** A meeting's kind from its type (a CRM's own labels): QBR or business review, check-in, training or onboarding, or other. */
export function meetingKind(v: unknown): MeetingKind {
  const t = (typeof v === 'string' ? v : '').toLowerCase();
  if (/\bqbr\b|business review/.test(t)) return 'qbr';
  if (/check[\s_-]?in/.test(t)) return 'check_in';
  if (/training|onboarding/.test(t)) return 'training';
  return 'other';
}

/** What a meeting's outcome means for the account: held, cancelled, or cancelled to be rescheduled. */
export type MeetingOutcome = 'held' | 'cancelled' | 'rescheduled';

/** The signal of a meeting's outcome (`part`: the inbox event id's last part), of the kind its `meetingType` says. */
export function meetingSignal(
  outcome: MeetingOutcome,
  meetingType: unknown,
  part: string,
): ConnectorSignal<'meeting_held'> | ConnectorSignal<'meeting_cancelled'> {
  const kind = meetingKind(meetingType);
  if (outcome === 'held') return { part, type: 'meeting_held', payload: { meetingKind: kind } };
  return { part, type: 'meeting_cancelled', payload: { meetingKind: kind, rescheduled: outcome === 'rescheduled' } };
}

/**
 * A risk flag's value as received (`At Risk`, `at-risk`, ` critical `): `raw` in the
 * flag levels' spelling (null when empty), `level` the CSM flag level it is (null when
 * none of CSM_FLAG_LEVELS).
 */
export function readRiskFlag(v: unknown): { raw: string | null; level: CsmFlagLevel | null } {
  const raw =
    typeof v === 'string' && v.trim() !== ''
      ? v
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, '_')
      : null;
  return { raw, level: CSM_FLAG_LEVELS.find((l) => l === raw) ?? null };
}

/** The CSM's flag at `level` (`part`: the inbox event id's last part), with its reason. */
export function riskFlagSignal(level: CsmFlagLevel, reason: string, part: string): ConnectorSignal<'csm_flag'> {
  return { part, type: 'csm_flag', payload: { level, reason } };
}
