import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import { WorkerMetrics } from './worker-metrics';

/**
 * Scrapes that overlap share one backlog read: each read holds a pool connection for its
 * transaction, so a scraper that retries or several scrapers at once must not take one each.
 */
describe('WorkerMetrics backlog read', () => {
  const config = loadConfig({
    DATABASE_URL: 'postgres://u:p@localhost:5432/retain',
    WORKER_METRICS_ADDRESS: 'off',
    WORKER_TEMPORAL_METRICS_ADDRESS: 'off',
  });

  /** A database whose transactions wait until released; it counts them. */
  function heldDatabase() {
    const waiting: Array<() => void> = [];
    let transactions = 0;
    const db = {
      transaction: async (work: (em: { query: () => Promise<unknown[]> }) => Promise<unknown>) => {
        transactions += 1;
        await new Promise<void>((release) => waiting.push(release));
        return work({ query: async () => [{ deliverable: 1, held: 0, oldest_deliverable_age_seconds: 0, count: 0 }] });
      },
    } as unknown as DataSource;
    return { db, transactions: () => transactions, releaseAll: () => waiting.splice(0).forEach((r) => r()) };
  }

  it('reads the backlogs once for scrapes that overlap, and again for a later scrape', async () => {
    const held = heldDatabase();
    const metrics = new WorkerMetrics(config, held.db);
    const first = metrics.exposition();
    const second = metrics.exposition();
    // Both scrapes are waiting on one transaction.
    await new Promise((r) => setImmediate(r));
    expect(held.transactions()).toBe(1);
    held.releaseAll();
    const [a, b] = await Promise.all([first, second]);
    expect(a.body).toContain('retain_backlog_collect_success');
    expect(b.body).toContain('retain_backlog_collect_success');

    const third = metrics.exposition();
    await new Promise((r) => setImmediate(r));
    expect(held.transactions()).toBe(2);
    held.releaseAll();
    await third;
  });
});
