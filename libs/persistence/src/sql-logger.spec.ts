import { Writable } from 'node:stream';
import { StructuredSqlLogger } from './sql-logger';

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}

describe("StructuredSqlLogger (TypeORM's log as JSON lines)", () => {
  it('writes a failed statement as one JSON line with its SQL and error, without its parameters', async () => {
    const { lines, sink } = capture();
    const logger = new StructuredSqlLogger('info', sink);
    const error = Object.assign(new Error('value too long for type character varying(10)'), {
      code: '22001',
      parameters: ['Tanaka Ichiro', 'secret-note'],
    });
    logger.logQueryError(error, 'INSERT INTO accounts (id, name)\n     VALUES ($1, $2)');
    logger.logQuery('SELECT 1');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as {
      level: number;
      component: string;
      sql: string;
      msg: string;
      err: { code: string; message: string };
    };
    expect(entry).toMatchObject({
      level: 50,
      component: 'sql',
      msg: 'query failed',
      sql: 'INSERT INTO accounts (id, name) VALUES ($1, $2)',
      err: { code: '22001' },
    });
    expect(lines[0]).not.toContain('Tanaka');
    expect(lines[0]).not.toContain('secret-note');
  });

  it('logs slow queries and migrations as JSON too', async () => {
    const { lines, sink } = capture();
    const logger = new StructuredSqlLogger('info', sink);
    logger.logQuerySlow(1500, 'SELECT * FROM renewals');
    logger.logMigration('Migration AuthorityAndIntegrity1796119200000 has been executed successfully.');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'slow query',
      'Migration AuthorityAndIntegrity1796119200000 has been executed successfully.',
    ]);
  });
});
