import { createHmac, randomUUID } from 'node:crypto';

/**
 * The Salesforce relay's request signature (docs/connectors/salesforce.md, "Signature"),
 * written as the relay computes it (the Apex of the set-up guide:
 * `EncodingUtil.convertToHex(Crypto.generateMac('hmacSHA256', Blob.valueOf(ts + '.' + body), Blob.valueOf(secret)))`),
 * apart from the verifier: one `v1=` per secret, comma-separated, as the relay signs
 * during a rotation.
 */
export function salesforceRelayHeaders(
  rawBody: string,
  secrets: string | readonly string[],
  at: Date = new Date(),
): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    'x-retain-relay-timestamp': timestamp,
    'x-retain-relay-signature': list
      .map((s) => `v1=${createHmac('sha256', s).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex')}`)
      .join(','),
  };
}

export interface ChangeEventSpec {
  entity: string;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE' | `GAP_${string}`;
  recordId: string;
  /** The record's fields this change carries (a CREATE: every non-null field; an UPDATE: the changed ones). */
  fields?: Record<string, unknown>;
  commitTimestamp?: number;
  transactionKey?: string;
  sequenceNumber?: number;
  nulledFields?: string[];
  replayId?: number;
}

/**
 * A Change Data Capture event as the Streaming API (CometD) delivers it and the relay
 * forwards it: `{ channel, data: { schema, payload: { ChangeEventHeader, ...fields }, event: { replayId } } }`
 * (Salesforce's Change Data Capture Developer Guide, "Change Event Message Structure").
 */
export function changeEvent(s: ChangeEventSpec): Record<string, unknown> {
  const changed = Object.keys(s.fields ?? {});
  return {
    schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
    channel: `/data/${s.entity.endsWith('__c') ? s.entity.replace(/__c$/, '__ChangeEvent') : `${s.entity}ChangeEvent`}`,
    data: {
      schema: 'IeRuaY6cbI_HsV8Rv1Mc5g',
      payload: {
        ChangeEventHeader: {
          entityName: s.entity,
          recordIds: [s.recordId],
          changeType: s.changeType,
          changeOrigin: 'com/salesforce/api/soap/61.0;client=SfdcInternalAPI/',
          transactionKey: s.transactionKey ?? randomUUID(),
          sequenceNumber: s.sequenceNumber ?? 1,
          commitTimestamp: s.commitTimestamp ?? Date.now(),
          commitNumber: 10_650_399_424_981,
          commitUser: '005xx000001X8UzAAK',
          changedFields: s.changeType === 'UPDATE' ? [...changed, 'LastModifiedDate'] : [],
          nulledFields: s.nulledFields ?? [],
          diffFields: [],
        },
        ...(s.changeType === 'UPDATE' ? { LastModifiedDate: new Date().toISOString() } : {}),
        ...s.fields,
      },
      event: { replayId: s.replayId ?? 6 },
    },
  };
}
