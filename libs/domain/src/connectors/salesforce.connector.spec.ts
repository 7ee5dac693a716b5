import { changeEvent, type ChangeEventSpec } from '../../../../test/support/salesforce-relay';
import { resolveConnectorMapping, type ConnectorMapping, type VendorEvent } from './connector-mapping';
import {
  SALESFORCE,
  mapSalesforceEvent,
  readSalesforceEvent,
  salesforceChange,
  salesforceEventView,
  salesforceOpportunityOf,
} from './salesforce.connector';

const AT = Date.parse('2026-12-02T06:00:00.123Z');
const OPP = '006xx000001Sv6tAAC';
const OCR = '00Kxx000000a1bCEAQ';
const m = SALESFORCE.defaults;
const on: ConnectorMapping = resolveConnectorMapping(SALESFORCE, { renewals: { enabled: true } }).mapping;

/** A change event as the mapper reads it, with the changes received of its record (and its opportunity) before. */
function ev(
  spec: Omit<ChangeEventSpec, 'commitTimestamp'>,
  before: Array<Record<string, unknown>> = [],
  opportunity: Record<string, unknown> | null = null,
): VendorEvent {
  const body = changeEvent({ commitTimestamp: AT, transactionKey: 'tx-1', sequenceNumber: 3, ...spec });
  const read = readSalesforceEvent(body);
  if (!read.ok) throw new Error(read.message);
  return { id: read.id, type: read.type, body: salesforceEventView(body, before, opportunity) };
}
const renewalOpp = {
  Retain_Account_Id__c: 'acc-7',
  Type: 'Renewal',
  StageName: 'Negotiation',
  CloseDate: '2027-03-31',
};
const opp = (
  changeType: ChangeEventSpec['changeType'],
  fields: Record<string, unknown>,
  before: Array<Record<string, unknown>> = [renewalOpp],
) => ev({ entity: 'Opportunity', changeType, recordId: OPP, fields }, changeType === 'CREATE' ? [] : before);

describe('Salesforce events: their id, type and view', () => {
  it('names a change event by its transaction key and sequence number, and types it <sObject>:<changeType>', () => {
    const body = changeEvent({
      entity: 'Opportunity',
      changeType: 'UPDATE',
      recordId: OPP,
      transactionKey: 'ab-12',
      sequenceNumber: 4,
    });
    expect(readSalesforceEvent(body)).toEqual({
      ok: true,
      id: 'ab-12:4',
      type: 'Opportunity:UPDATE',
      entity: 'Opportunity',
      recordIds: [OPP],
    });
  });

  it('names a platform event by its EventUuid and types it event:<name>', () => {
    const body = {
      channel: '/event/Retain_Signal__e',
      data: { schema: 'x', payload: { Level__c: 'high' }, event: { replayId: 9, EventUuid: 'a1b2-c3' } },
    };
    expect(readSalesforceEvent(body)).toMatchObject({ ok: true, id: 'a1b2-c3', type: 'event:Retain_Signal__e' });
  });

  it.each([
    [{}, 'data.payload'],
    [
      {
        data: {
          payload: {
            ChangeEventHeader: {
              entityName: 'Opportunity',
              changeType: 'UPDATE',
              recordIds: [OPP],
              sequenceNumber: 1,
              commitTimestamp: AT,
            },
          },
        },
      },
      'data.payload.ChangeEventHeader.transactionKey',
    ],
    [
      {
        data: {
          payload: {
            ChangeEventHeader: {
              entityName: 'Opportunity',
              changeType: 'UPDATE',
              transactionKey: 't',
              recordIds: [OPP],
              sequenceNumber: 1,
              commitTimestamp: '2026-12-02',
            },
          },
        },
      },
      'data.payload.ChangeEventHeader.commitTimestamp',
    ],
    [{ data: { payload: { Name: 'no header, no uuid' } } }, 'data.payload.ChangeEventHeader'],
  ])('refuses %j, naming %s', (body, field) => {
    expect(readSalesforceEvent(body)).toMatchObject({ ok: false, field });
  });

  it('reads the record as its changes in order, nulled fields as null, and finds a role’s or an activity’s opportunity', () => {
    const e = ev(
      {
        entity: 'Opportunity',
        changeType: 'UPDATE',
        recordId: OPP,
        fields: { CloseDate: '2027-04-30' },
        nulledFields: ['Loss_Reason__c'],
      },
      [renewalOpp, { Loss_Reason__c: 'price' }],
    );
    expect(e.body.previous).toEqual({ ...renewalOpp, Loss_Reason__c: 'price' });
    expect(e.body.record).toEqual({
      ...renewalOpp,
      CloseDate: '2027-04-30',
      Loss_Reason__c: null,
      LastModifiedDate: expect.any(String),
    });
    expect(salesforceChange(e.body)).toMatchObject({ CloseDate: '2027-04-30', Loss_Reason__c: null });
    expect(salesforceOpportunityOf({ OpportunityId: OPP })).toBe(OPP);
    expect(salesforceOpportunityOf({ WhatId: OPP })).toBe(OPP);
    expect(salesforceOpportunityOf({ WhatId: '001xx000003DGb2AAG' })).toBeNull();
  });
});

describe('Salesforce events: what each becomes', () => {
  const role = (changeType: ChangeEventSpec['changeType'], fields: Record<string, unknown>, before: string | null) =>
    ev(
      { entity: 'OpportunityContactRole', changeType, recordId: OCR, fields },
      before === null ? [] : [{ OpportunityId: OPP, Role: before }],
      { Retain_Account_Id__c: 'acc-7' },
    );

  it.each([
    [
      'the sponsor’s role changed',
      role('UPDATE', { Role: 'Business User' }, 'Executive Sponsor'),
      ['sponsor_departure'],
    ],
    ['the champion’s contact role deleted', role('DELETE', {}, 'Champion'), ['stakeholder_change']],
    [
      'a multi-select role losing both',
      role('UPDATE', { Role: 'Evaluator' }, 'Executive Sponsor;Champion'),
      ['sponsor_departure', 'stakeholder_change'],
    ],
  ])('%s', (_what, e, types) => {
    const out = mapSalesforceEvent(e, m);
    expect(out).toMatchObject({ state: 'mapped', accountId: 'acc-7', occurredAt: new Date(AT).toISOString() });
    expect(out.state === 'mapped' && out.signals.map((s) => s.type)).toEqual(types);
  });

  it.each([
    [
      'a role made',
      role('CREATE', { OpportunityId: OPP, Role: 'Executive Sponsor' }, null),
      /records Salesforce OpportunityContactRole .* role \(Executive Sponsor\)/,
    ],
    ['no earlier role known', role('UPDATE', { Role: 'Business User' }, null), /no earlier role is known/],
    [
      'a role neither sponsor nor champion lost',
      role('UPDATE', { Role: 'Executive Sponsor' }, 'Evaluator'),
      /no executive sponsor or champion role was removed/,
    ],
  ])('%s is ignored', (_what, e, reason) => {
    const out = mapSalesforceEvent(e, m);
    expect(out.state).toBe('ignored');
    expect(out.state === 'ignored' && out.reason).toMatch(reason);
  });

  it('refuses a record with no account id, on itself or its opportunity', () => {
    const e = ev({ entity: 'OpportunityContactRole', changeType: 'DELETE', recordId: OCR }, [{ Role: 'Champion' }]);
    expect(mapSalesforceEvent(e, m)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/no account id/),
    });
  });

  it.each([
    [{ Retain_Meeting_Outcome__c: 'Held', Type: 'QBR' }, [['meeting_held', { meetingKind: 'qbr' }]]],
    [{ Retain_Meeting_Outcome__c: 'No Show' }, [['meeting_cancelled', { meetingKind: 'other', rescheduled: false }]]],
    [
      { Retain_Meeting_Outcome__c: 'Rescheduled', Type: 'Training' },
      [['meeting_cancelled', { meetingKind: 'training', rescheduled: true }]],
    ],
    [
      { Retain_Risk_Flag__c: 'At Risk', Description: 'Budget frozen' },
      [['csm_flag', { level: 'at_risk', reason: 'Budget frozen' }]],
    ],
  ])('an activity setting %j', (fields, signals) => {
    const out = mapSalesforceEvent(
      ev({ entity: 'Event', changeType: 'UPDATE', recordId: '00Uxx000000b2cDEAQ', fields }, [
        { Retain_Account_Id__c: 'acc-7' },
      ]),
      m,
    );
    expect(out.state === 'mapped' && out.signals.map((s) => [s.type, s.payload])).toEqual(signals);
  });

  it('ignores an activity change that sets no outcome or flag (its outcome set before does not count again)', () => {
    const out = mapSalesforceEvent(
      ev({ entity: 'Task', changeType: 'UPDATE', recordId: '00Txx000000b2cDEAQ', fields: { Subject: 'renamed' } }, [
        { Retain_Account_Id__c: 'acc-7', Retain_Meeting_Outcome__c: 'Held' },
      ]),
      m,
    );
    expect(out.state).toBe('ignored');
  });

  it('a renewal opportunity created, moved and closed: launch, reschedule, decide', () => {
    expect(mapSalesforceEvent(opp('CREATE', renewalOpp), m)).toMatchObject({
      state: 'command',
      accountId: 'acc-7',
      command: { kind: 'launch', renewalDate: '2027-03-31', opportunity: OPP },
    });
    expect(mapSalesforceEvent(opp('UPDATE', { CloseDate: '2027-04-30' }), m)).toMatchObject({
      state: 'command',
      command: { kind: 'reschedule', from: '2027-03-31', to: '2027-04-30' },
    });
    expect(mapSalesforceEvent(opp('UPDATE', { StageName: 'Closed Won' }), m)).toMatchObject({
      state: 'command',
      command: { kind: 'decide', renewalDate: '2027-03-31', outcome: 'renewed', stage: 'Closed Won', reason: null },
    });
    // Closing moves the close date to the day it closed: the renewal is still at the date it had.
    expect(
      mapSalesforceEvent(
        opp('UPDATE', { StageName: 'Closed Lost', CloseDate: '2027-01-15', Loss_Reason__c: 'Moved to a competitor' }),
        m,
      ),
    ).toMatchObject({
      command: { kind: 'decide', renewalDate: '2027-03-31', outcome: 'churned', reason: 'Moved to a competitor' },
    });
    // Closed Lost without a reason still gives the decision the reason it requires.
    expect(mapSalesforceEvent(opp('UPDATE', { StageName: 'Closed Lost' }), m)).toMatchObject({
      command: {
        outcome: 'churned',
        reason: expect.stringMatching(/closed as Closed Lost in Salesforce; no loss reason/),
      },
    });
  });

  it('the commands do not depend on the opt-in (the api refuses them when it is off): the mapping decides only what they are', () => {
    expect(mapSalesforceEvent(opp('CREATE', renewalOpp), on)).toEqual(mapSalesforceEvent(opp('CREATE', renewalOpp), m));
  });

  it.each([
    [
      'an opportunity of another type',
      opp('CREATE', { ...renewalOpp, Type: 'New Business' }),
      'ignored',
      /not a renewal opportunity/,
    ],
    [
      'a stage that decides nothing',
      opp('UPDATE', { StageName: 'Proposal' }),
      'ignored',
      /neither its close date nor a closing stage/,
    ],
    [
      'a close date moved with no earlier one known',
      opp('UPDATE', { CloseDate: '2027-04-30' }, [{ Retain_Account_Id__c: 'acc-7', Type: 'Renewal' }]),
      'ignored',
      /no earlier close date/,
    ],
    [
      'an opportunity created closed',
      opp('CREATE', { ...renewalOpp, StageName: 'Closed Won' }),
      'ignored',
      /created closed/,
    ],
    [
      'an opportunity created without a close date',
      opp('CREATE', { Retain_Account_Id__c: 'acc-7', Type: 'Renewal' }),
      'refused',
      /no close date/,
    ],
  ])('%s', (_what, e, state, reason) => {
    const out = mapSalesforceEvent(e, m);
    expect(out.state).toBe(state);
    expect('reason' in out && out.reason).toMatch(reason);
  });

  it('a renewal record type counts as the renewal type does, when the mapping names it', () => {
    const byRecordType = resolveConnectorMapping(SALESFORCE, {
      renewals: { types: [], recordTypeIds: ['012xx0000000001AAA'] },
    }).mapping;
    const e = opp('CREATE', { ...renewalOpp, Type: null, RecordTypeId: '012xx0000000001AAA' });
    expect(mapSalesforceEvent(e, byRecordType)).toMatchObject({ state: 'command', command: { kind: 'launch' } });
    expect(mapSalesforceEvent(e, m)).toMatchObject({ state: 'ignored' });
  });

  it('stores unknown types, gap events and platform events as ignored, and refuses a change event of several records', () => {
    expect(
      mapSalesforceEvent(ev({ entity: 'Lead', changeType: 'UPDATE', recordId: '00Qxx000000b2cDEAQ' }), m),
    ).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map Lead:UPDATE',
    });
    expect(mapSalesforceEvent(ev({ entity: 'Opportunity', changeType: 'GAP_UPDATE', recordId: OPP }), m).state).toBe(
      'ignored',
    );
    const body = changeEvent({
      entity: 'Event',
      changeType: 'UPDATE',
      recordId: '00Uxx000000b2cDEAQ',
      commitTimestamp: AT,
    });
    (
      body as { data: { payload: { ChangeEventHeader: { recordIds: string[] } } } }
    ).data.payload.ChangeEventHeader.recordIds.push('00Uxx000000b2cEEAQ');
    expect(
      mapSalesforceEvent({ id: 'x:1', type: 'Event:UPDATE', body: salesforceEventView(body, [], null) }, m),
    ).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/a change event of 2 records/),
    });
  });
});
