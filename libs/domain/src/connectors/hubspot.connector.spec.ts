import {
  HUBSPOT,
  hubspotDate,
  hubspotEventType,
  hubspotEventView,
  hubspotObjectKey,
  hubspotObjectOf,
  mapHubSpotEvent,
} from './hubspot.connector';
import { resolveConnectorMapping, type VendorEvent } from './connector-mapping';

const AT = Date.parse('2026-12-02T06:00:00.123Z');

/** One event of a HubSpot webhook batch, as HubSpot sends it (ids as numbers, occurredAt in ms). */
const hub = (over: Record<string, unknown>): Record<string, unknown> => ({
  eventId: 1203961540,
  subscriptionId: 2920461,
  portalId: 62515,
  appId: 1160452,
  occurredAt: AT,
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId: 5101,
  changeSource: 'CRM_UI',
  ...over,
});

/** The event as the mapper reads it: with what was received of its object before (`known`). */
const ev = (over: Record<string, unknown>, known: Record<string, string | null> = {}): VendorEvent => {
  const body = hub(over);
  return { id: String(body.eventId), type: hubspotEventType(body), body: hubspotEventView(body, known) };
};
const m = HUBSPOT.defaults;
const linked = { retain_account_id: 'acc-7' };
const roleChange = (before: string | null, after: string, known: Record<string, string | null> = linked) =>
  ev(
    { propertyName: 'hs_buying_role', propertyValue: after },
    before === null ? known : { ...known, hs_buying_role: before },
  );

describe('HubSpot events: their type, object and view', () => {
  it.each([
    [{ propertyName: 'hs_buying_role' }, 'contact.propertyChange:hs_buying_role'],
    [{ subscriptionType: 'contact.deletion' }, 'contact.deletion'],
    [
      { subscriptionType: 'object.propertyChange', objectTypeId: '0-47', propertyName: 'hs_meeting_outcome' },
      'object.propertyChange:0-47:hs_meeting_outcome',
    ],
    [
      { subscriptionType: 'contact.associationChange', associationType: 'CONTACT_TO_COMPANY' },
      'contact.associationChange:CONTACT_TO_COMPANY',
    ],
    [{ subscriptionType: 'deal.creation' }, 'deal.creation'],
  ])('%j is mapped as %s', (over, type) => {
    expect(hubspotEventType(hub(over))).toBe(type);
  });

  it('names the object (an association change’s is its from-object; a generic one’s type is its objectTypeId)', () => {
    expect(hubspotObjectKey(hubspotObjectOf(hub({}))!)).toBe('62515/contact/5101');
    expect(
      hubspotObjectOf(
        hub({ subscriptionType: 'contact.associationChange', objectId: undefined, fromObjectId: 77, toObjectId: 9 }),
      ),
    ).toEqual({ portalId: '62515', objectType: 'contact', objectId: '77' });
    expect(hubspotObjectOf(hub({ subscriptionType: 'object.propertyChange', objectTypeId: '0-47' }))).toMatchObject({
      objectType: '0-47',
    });
    expect(hubspotObjectOf(hub({ subscriptionType: 'nothing' }))).toBeNull();
    expect(hubspotObjectOf(hub({ objectId: -1 }))).toBeNull();
  });

  it('gives the mapper the object as received before, with this change, and the changed property’s previous value', () => {
    const body = hubspotEventView(hub({ propertyName: 'hs_buying_role', propertyValue: 'END_USER' }), {
      retain_account_id: 'acc-7',
      hs_buying_role: 'CHAMPION',
    });
    expect(body.object).toEqual({ retain_account_id: 'acc-7', hs_buying_role: 'END_USER' });
    expect(body.previous).toEqual({ value: 'CHAMPION' });
    expect(hubspotEventView(hub({ propertyName: 'x', propertyValue: 'y' }), {}).previous).toEqual({ value: null });
  });
});

describe('HubSpot events as relationship signals (default mapping)', () => {
  const sponsorLeft = { part: 'sponsor', type: 'sponsor_departure', payload: { reason: 'role_removed' } };
  const championLeft = {
    part: 'champion',
    type: 'stakeholder_change',
    payload: {
      who: 'champion (HubSpot contact 5101)',
      description: 'The champion role was removed from HubSpot contact 5101 in HubSpot',
    },
  };
  it.each([
    ['EXECUTIVE_SPONSOR', 'END_USER', [sponsorLeft]],
    ['EXECUTIVE_SPONSOR;CHAMPION', 'INFLUENCER', [sponsorLeft, championLeft]],
    ['CHAMPION;END_USER', 'END_USER', [championLeft]],
    ['EXECUTIVE_SPONSOR', '', [sponsorLeft]],
  ])('a buying role %s → %s removes a role: %j', (before, after, signals) => {
    expect(mapHubSpotEvent(roleChange(before, after), m)).toEqual({
      state: 'mapped',
      accountId: 'acc-7',
      occurredAt: '2026-12-02T06:00:00.123Z',
      signals,
    });
  });

  it.each([
    ['END_USER', 'EXECUTIVE_SPONSOR', /no executive sponsor or champion role was removed/],
    ['EXECUTIVE_SPONSOR', 'EXECUTIVE_SPONSOR;CHAMPION', /no executive sponsor or champion role was removed/],
    [null, 'END_USER', /no earlier value of this role is known/],
  ])('a buying role %s → %s is no signal', (before, after, reason) => {
    expect(mapHubSpotEvent(roleChange(before, after), m)).toMatchObject({ state: 'ignored', reason });
  });

  it('names the contact by its email when one was received', () => {
    const e = roleChange('EXECUTIVE_SPONSOR', 'END_USER', { ...linked, email: 'ceo@acme.example' });
    expect(mapHubSpotEvent(e, m)).toMatchObject({
      signals: [{ payload: { reason: 'role_removed', contactName: 'ceo@acme.example' } }],
    });
  });

  it('a sponsor or champion deleted, or taken off the company, has left; another contact is no signal', () => {
    const known = { ...linked, hs_buying_role: 'EXECUTIVE_SPONSOR' };
    expect(mapHubSpotEvent(ev({ subscriptionType: 'contact.deletion' }, known), m)).toMatchObject({
      state: 'mapped',
      signals: [{ type: 'sponsor_departure', payload: { reason: 'departed' } }],
    });
    const removed = (associationRemoved: boolean, roles = known) =>
      ev(
        {
          subscriptionType: 'contact.associationChange',
          associationType: 'CONTACT_TO_COMPANY',
          objectId: undefined,
          fromObjectId: 5101,
          toObjectId: 880,
          associationRemoved,
        },
        roles,
      );
    expect(mapHubSpotEvent(removed(true), m)).toMatchObject({
      state: 'mapped',
      signals: [{ type: 'sponsor_departure', payload: { reason: 'departed' } }],
    });
    expect(mapHubSpotEvent(removed(false), m)).toMatchObject({ state: 'ignored', reason: /association added/ });
    expect(mapHubSpotEvent(removed(true, { ...linked, hs_buying_role: 'END_USER' }), m)).toMatchObject({
      state: 'ignored',
      reason: /held no executive sponsor or champion role/,
    });
  });

  const meeting = (outcome: string, known: Record<string, string | null> = linked) =>
    ev(
      {
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-47',
        objectId: 9001,
        propertyName: 'hs_meeting_outcome',
        propertyValue: outcome,
      },
      known,
    );
  it.each([
    ['COMPLETED', {}, { type: 'meeting_held', payload: { meetingKind: 'other' } }],
    ['CANCELED', {}, { type: 'meeting_cancelled', payload: { meetingKind: 'other', rescheduled: false } }],
    [
      'NO_SHOW',
      { hs_activity_type: 'QBR' },
      { type: 'meeting_cancelled', payload: { meetingKind: 'qbr', rescheduled: false } },
    ],
    [
      'RESCHEDULED',
      { hs_activity_type: 'Check-in' },
      { type: 'meeting_cancelled', payload: { meetingKind: 'check_in', rescheduled: true } },
    ],
    [
      'COMPLETED',
      { hs_activity_type: 'Onboarding training' },
      { type: 'meeting_held', payload: { meetingKind: 'training' } },
    ],
  ])('a meeting’s outcome %s (%j) is %j', (outcome, known, signal) => {
    expect(mapHubSpotEvent(meeting(outcome, { ...linked, ...known }), m)).toEqual({
      state: 'mapped',
      accountId: 'acc-7',
      occurredAt: '2026-12-02T06:00:00.123Z',
      signals: [{ part: '', ...signal }],
    });
  });

  it('a meeting scheduled, or an outcome HubSpot does not have, is no signal', () => {
    expect(mapHubSpotEvent(meeting('SCHEDULED'), m)).toMatchObject({ state: 'ignored', reason: /SCHEDULED/ });
    expect(mapHubSpotEvent(meeting('constructor'), m)).toMatchObject({ state: 'ignored' });
  });

  const note = (flag: string, body?: string) =>
    ev(
      {
        subscriptionType: 'object.propertyChange',
        objectTypeId: '0-46',
        objectId: 7001,
        propertyName: 'retain_risk_flag',
        propertyValue: flag,
      },
      body === undefined ? linked : { ...linked, hs_note_body: body },
    );
  it.each([
    ['at_risk', '<p>Budget <b>cut</b> announced</p>', { level: 'at_risk', reason: 'Budget cut announced' }],
    ['At risk', undefined, { level: 'at_risk', reason: 'HubSpot object 0-46 7001 flagged at_risk in HubSpot' }],
    ['critical', undefined, { level: 'critical', reason: 'HubSpot object 0-46 7001 flagged critical in HubSpot' }],
    ['cleared', 'Renewal call went well', { level: 'cleared', reason: 'Renewal call went well' }],
  ])('a note flagged %s is the CSM’s flag', (flag, body, payload) => {
    expect(mapHubSpotEvent(note(flag, body), m)).toMatchObject({
      state: 'mapped',
      signals: [{ part: '', type: 'csm_flag', payload }],
    });
  });
  it('a note flag that is none of the levels is no signal', () => {
    expect(mapHubSpotEvent(note('maybe'), m)).toMatchObject({ state: 'ignored', reason: /flag maybe: none of/ });
  });
});

describe('HubSpot events that are no signal, or cannot be read', () => {
  it('a retain_account_id change links the object to its account, and is itself stored ignored', () => {
    const link = ev({ propertyName: 'retain_account_id', propertyValue: 'acc-7' });
    expect(mapHubSpotEvent(link, m)).toEqual({
      state: 'ignored',
      reason: 'links HubSpot contact 5101 to the account acc-7: its later events count for it',
      accountId: 'acc-7',
      occurredAt: '2026-12-02T06:00:00.123Z',
    });
    expect(mapHubSpotEvent(ev({ propertyName: 'retain_account_id', propertyValue: '' }), m)).toMatchObject({
      state: 'ignored',
      reason: /has no account id now/,
    });
  });

  it('refuses an event of an object not linked to an account, or without a time', () => {
    expect(mapHubSpotEvent(roleChange('EXECUTIVE_SPONSOR', 'END_USER', {}), m)).toMatchObject({
      state: 'refused',
      reason: /no account id at object\.retain_account_id: HubSpot contact 5101 has no retain_account_id yet/,
      accountId: null,
    });
    const noTime = ev({ propertyName: 'hs_buying_role', propertyValue: 'X', occurredAt: 'yesterday' }, linked);
    expect(mapHubSpotEvent(noTime, m)).toMatchObject({ state: 'refused', reason: 'no event time at occurredAt' });
  });

  it.each(['deal.creation', 'company.propertyChange', 'contact.privacyDeletion'])(
    'stores %s ignored: the mapping does not map it',
    (subscriptionType) => {
      expect(mapHubSpotEvent(ev({ subscriptionType }, linked), m)).toMatchObject({
        state: 'ignored',
        reason: `the mapping does not map ${subscriptionType}`,
      });
    },
  );

  it('takes a portal’s own role property and ignores types on request', () => {
    const { mapping, problems } = resolveConnectorMapping(HUBSPOT, {
      events: {
        'contact.propertyChange:retain_role': 'role_change',
        'contact.propertyChange:hs_buying_role': null,
        'contact.deletion': 'ignore',
      },
    });
    expect(problems).toEqual([]);
    const own = ev({ propertyName: 'retain_role', propertyValue: 'END_USER' }, { ...linked, retain_role: 'CHAMPION' });
    expect(mapHubSpotEvent(own, mapping)).toMatchObject({ state: 'mapped', signals: [{ type: 'stakeholder_change' }] });
    expect(mapHubSpotEvent(roleChange('EXECUTIVE_SPONSOR', 'END_USER'), mapping)).toMatchObject({ state: 'ignored' });
    expect(mapHubSpotEvent(ev({ subscriptionType: 'contact.deletion' }, linked), mapping)).toMatchObject({
      reason: 'the mapping ignores contact.deletion',
    });
    expect(resolveConnectorMapping(HUBSPOT, { events: { 'deal.creation': 'renewal' } }).problems).toEqual([
      'events.deal.creation: one of account_link, role_change, contact_removed, association_change, meeting_outcome, risk_flag, renewal_deal, ignore (or null)',
    ]);
  });
});

describe('HubSpot renewal deals (docs/decisions/0012)', () => {
  const on = resolveConnectorMapping(HUBSPOT, { renewals: { enabled: true, pipelines: ['renewals-pipe'] } }).mapping;
  const CLOSE = String(Date.parse('2027-03-31T00:00:00Z'));
  const deal = (
    propertyName: string,
    propertyValue: string,
    known: Record<string, string | null>,
    renewalId: string | null = null,
  ): VendorEvent => {
    const body = hub({ subscriptionType: 'deal.propertyChange', objectId: 8801, propertyName, propertyValue });
    return {
      id: String(body.eventId),
      type: hubspotEventType(body),
      body: { ...hubspotEventView(body, known), retain: { renewalId } },
    };
  };
  const complete = { retain_account_id: 'acc-7', pipeline: 'renewals-pipe', dealstage: 'appointmentscheduled' };

  it('reads HubSpot’s close date (Unix ms at midnight UTC, or an ISO date) as a calendar date', () => {
    expect(hubspotDate(CLOSE)).toBe('2027-03-31');
    expect(hubspotDate('2027-03-31')).toBe('2027-03-31');
    expect(hubspotDate('2027-03-31T00:00:00.000Z')).toBe('2027-03-31');
    expect(hubspotDate('soon')).toBeNull();
  });

  it('launches once the deal has its account, a renewal pipeline and a close date, whichever property comes last', () => {
    expect(mapHubSpotEvent(deal('closedate', CLOSE, complete), on)).toMatchObject({
      state: 'command',
      accountId: 'acc-7',
      command: { kind: 'launch', renewalDate: '2027-03-31', opportunity: '8801' },
    });
    expect(
      mapHubSpotEvent(deal('pipeline', 'renewals-pipe', { retain_account_id: 'acc-7', closedate: CLOSE }), on),
    ).toMatchObject({ state: 'command', command: { kind: 'launch', renewalDate: '2027-03-31' } });
    expect(mapHubSpotEvent(deal('closedate', CLOSE, { pipeline: 'renewals-pipe' }), on)).toMatchObject({
      state: 'ignored',
      reason: expect.stringMatching(/no retain_account_id yet/),
    });
    expect(mapHubSpotEvent(deal('pipeline', 'renewals-pipe', { retain_account_id: 'acc-7' }), on)).toMatchObject({
      state: 'ignored',
      reason: expect.stringMatching(/no close date yet/),
    });
  });

  it('moves the renewal it launched when the close date changes, and decides it when the stage closes', () => {
    const launched = 'renewal:acc-7:2027-03-31';
    const moved = String(Date.parse('2027-04-30T00:00:00Z'));
    expect(mapHubSpotEvent(deal('closedate', moved, { ...complete, closedate: CLOSE }, launched), on)).toMatchObject({
      state: 'command',
      command: { kind: 'reschedule', from: '2027-03-31', to: '2027-04-30' },
    });
    expect(
      mapHubSpotEvent(
        deal('dealstage', 'closedlost', { ...complete, closedate: moved, closed_lost_reason: 'Budget' }, launched),
        on,
      ),
    ).toMatchObject({
      state: 'command',
      command: { kind: 'decide', outcome: 'churned', stage: 'closedlost', reason: 'Budget', renewalDate: '2027-04-30' },
    });
    expect(
      mapHubSpotEvent(deal('pipeline', 'renewals-pipe', { ...complete, closedate: CLOSE }, launched), on),
    ).toMatchObject({
      state: 'ignored',
      reason: expect.stringMatching(/launched renewal:acc-7:2027-03-31 already/),
    });
  });

  it('ignores a deal of another pipeline, and every deal while the mapping names no renewal pipeline or type', () => {
    expect(mapHubSpotEvent(deal('closedate', CLOSE, { ...complete, pipeline: 'default' }), on)).toMatchObject({
      state: 'ignored',
      reason: expect.stringMatching(/not a renewal deal \(pipeline default/),
    });
    expect(mapHubSpotEvent(deal('closedate', CLOSE, complete), m)).toMatchObject({ state: 'ignored' });
  });
});
