import type { DataSource } from 'typeorm';
import {
  activeMonitoringSummaries,
  activeSaveSummaries,
  createDataSource,
  openAlertsOfAccount,
  recentHealth,
  recordHealthObservation,
  seedAccount,
  writeAlert,
  writeMonitoring,
  writeSaveEffort,
  type AlertWrite,
  type MonitoringWrite,
  type SaveEffortWrite,
} from '@retain/persistence';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot } from '../support/factories';

/**
 * The reads of an account's risk view (`GET /accounts/{id}/risk`) from the table
 * modules, against a real PostgreSQL: its active save and monitoring, its alerts not
 * yet resolved, and its recent health readings, each only of that account.
 */
describe("an account's risk view, read from its tables (PostgreSQL)", () => {
  let database: TestDatabase;
  let db: DataSource;
  const account = (id: string) =>
    anAccountSnapshot(id, { name: id, arrCents: 1_000_000, segment: 'smb', csmManagerId: null });
  const save = (accountId: string, status: string): SaveEffortWrite => ({
    id: `save:${accountId}:2027-03-31`,
    renewalId: `renewal:${accountId}:2027-03-31`,
    accountId,
    renewalDate: '2027-03-31',
    status,
    effortLevel: 'standard',
    probabilityTier: 'medium',
    valueTier: 'medium',
    timeBand: 'compressed',
    deadline: null,
    arrCents: 1_000_000,
    segment: 'smb',
    ownerCsmId: 'csm-1',
    csmManagerId: null,
    overdueItems: 0,
    expectedValueHours: 10,
    effortHours: 0,
    outcomeResult: null,
    outcomeKind: null,
    outcomeAt: null,
    policyVersion: 'test',
    savedArrCents: null,
    state: {},
    revision: 1,
    startedAt: '2027-01-01T00:00:00.000Z',
    updatedAt: '2027-01-01T00:00:00.000Z',
  });
  const monitoring = (accountId: string, status: string, renewalDate: string): MonitoringWrite => ({
    id: `monitoring:${accountId}:${renewalDate}`,
    saveId: null,
    renewalId: null,
    accountId,
    renewalDate,
    status,
    ownerCsmId: 'csm-1',
    csmManagerId: null,
    plannedEndAt: '2027-07-01T00:00:00.000Z',
    plannedMonths: 6,
    weeks: 2,
    openPromises: 0,
    overduePromises: 0,
    lastJudgement: 'stable',
    state: {},
    revision: 1,
    startedAt: '2027-01-01T00:00:00.000Z',
    updatedAt: '2027-01-01T00:00:00.000Z',
  });
  const alert = (accountId: string, n: number, state: string, triggeredAt: string): AlertWrite => ({
    id: `alert:${accountId}:${n}`,
    accountId,
    ruleId: 'usage_drop',
    group: 'usage',
    severity: 'P2',
    state,
    ownerCsmId: 'csm-1',
    csmManagerId: null,
    escalationLevel: 0,
    triggeredAt,
    respondBy: triggeredAt,
    deliverAt: triggeredAt,
    data: { id: `alert:${accountId}:${n}`, state },
    revision: 1,
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    for (const id of ['acc-r', 'acc-other']) await seedAccount(db, account(id));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("shows the account's active save and active monitoring only, with the columns the view names", async () => {
    await writeSaveEffort(db, save('acc-r', 'active'));
    await writeSaveEffort(db, save('acc-other', 'active'));
    await writeMonitoring(db, monitoring('acc-r', 'active', '2026-03-31'));
    await writeMonitoring(db, monitoring('acc-r', 'stabilised', '2025-03-31'));
    expect(await activeSaveSummaries(db, 'acc-r')).toEqual([
      { id: 'save:acc-r:2027-03-31', status: 'active', effort_level: 'standard' },
    ]);
    expect(await activeMonitoringSummaries(db, 'acc-r')).toEqual([
      { id: 'monitoring:acc-r:2026-03-31', status: 'active', last_judgement: 'stable' },
    ]);
    await writeSaveEffort(db, { ...save('acc-r', 'saved'), revision: 2 });
    expect(await activeSaveSummaries(db, 'acc-r')).toEqual([]);
  });

  it("shows the records of the account's alerts not yet resolved, newest first", async () => {
    await writeAlert(db, alert('acc-r', 1, 'open', '2027-01-01T00:00:00.000Z'));
    await writeAlert(db, alert('acc-r', 2, 'acknowledged', '2027-01-03T00:00:00.000Z'));
    await writeAlert(db, alert('acc-r', 3, 'resolved', '2027-01-04T00:00:00.000Z'));
    await writeAlert(db, alert('acc-other', 1, 'open', '2027-01-05T00:00:00.000Z'));
    expect(await openAlertsOfAccount(db, 'acc-r')).toEqual([
      { id: 'alert:acc-r:2', state: 'acknowledged' },
      { id: 'alert:acc-r:1', state: 'open' },
    ]);
  });

  it("shows the account's last readings, oldest first, as numbers", async () => {
    for (const [i, score] of [40, 50, 60, 70].entries()) {
      await recordHealthObservation(db, {
        accountId: 'acc-r',
        observedAt: `2027-01-0${i + 1}T00:00:00.000Z`,
        healthScore: score,
        usageChangePct: i === 3 ? -12.5 : null,
        source: 'analytics',
        eventId: `h${i}`,
      });
    }
    await recordHealthObservation(db, {
      accountId: 'acc-other',
      observedAt: '2027-01-09T00:00:00.000Z',
      healthScore: 10,
      usageChangePct: null,
      source: 'analytics',
      eventId: 'other',
    });
    expect(await recentHealth(db, 'acc-r', 3)).toEqual([
      { at: '2027-01-02T00:00:00.000Z', healthScore: 50, usageChangePct: null },
      { at: '2027-01-03T00:00:00.000Z', healthScore: 60, usageChangePct: null },
      { at: '2027-01-04T00:00:00.000Z', healthScore: 70, usageChangePct: -12.5 },
    ]);
    expect(await recentHealth(db, 'acc-none', 12)).toEqual([]);
  });
});
