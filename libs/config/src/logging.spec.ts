import { serializeError } from './logging';

describe('serializeError (the err field of every log line)', () => {
  it('keeps the message, SQLSTATE and the start of the statement of a failed query, never its parameters', () => {
    const failed = Object.assign(new Error('duplicate key value violates unique constraint "api_keys_prefix_key"'), {
      name: 'QueryFailedError',
      code: '23505',
      query: `INSERT INTO api_keys (principal_id, prefix, secret_hash)\n   VALUES ($1, $2, $3)`,
      parameters: ['u-ann', 'abcdefabcdef', 'ffffffffSECRETHASH'],
      driverError: { parameters: ['u-ann'], detail: 'Key (prefix)=(abcdefabcdef) already exists.' },
    });
    const out = serializeError(failed) as Record<string, unknown>;
    expect(out).toMatchObject({
      message: failed.message,
      code: '23505',
      sql: 'INSERT INTO api_keys (principal_id, prefix, secret_hash) VALUES ($1, $2, $3)',
    });
    const text = JSON.stringify(out);
    for (const secret of ['SECRETHASH', 'abcdefabcdef', 'u-ann']) expect(text).not.toContain(secret);
  });

  it('serialises causes and leaves non-errors alone', () => {
    const out = serializeError(
      new Error('outer', { cause: Object.assign(new Error('inner'), { parameters: ['x-secret'] }) }),
    ) as { cause: { message: string } };
    expect(out.cause.message).toBe('inner');
    expect(JSON.stringify(out)).not.toContain('x-secret');
    expect(serializeError('plain')).toBe('plain');
  });
});
