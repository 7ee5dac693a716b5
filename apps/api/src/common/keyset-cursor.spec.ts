import { decodeCursor, encodeCursor } from './keyset-cursor';

const raw = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');

describe('decodeCursor: instantMicros', () => {
  it.each<[string, boolean]>([
    // Six digits of the second, UTC: as PostgreSQL keeps a timestamptz.
    ['2026-12-02T01:02:03.123456Z', true],
    // Three digits (toISOString's) are not this kind.
    ['2026-12-02T01:02:03.123Z', false],
    // February 30th has the shape but is no instant.
    ['2026-02-30T01:02:03.123456Z', false],
    // Hour 24 neither.
    ['2026-12-02T24:02:03.123456Z', false],
    // An offset instead of Z.
    ['2026-12-02T01:02:03.123456+01:00', false],
  ])('%s: %p', (instant, valid) => {
    const decode = () => decodeCursor(raw([instant, 'bt-1']), ['instantMicros', /^bt-[a-z0-9-]+$/]);
    if (valid) expect(decode()).toEqual([instant, 'bt-1']);
    else expect(decode).toThrow('The cursor is not one this API issued');
  });

  it('round-trips what encodeCursor wrote', () => {
    const values = ['2020-01-01T00:00:00.000001Z', 'bt-tie-a'];
    expect(decodeCursor(encodeCursor(values), ['instantMicros', /^bt-[a-z0-9-]+$/])).toEqual(values);
  });
});

describe('decodeCursor: instantOrInfinity', () => {
  it.each<[string, boolean]>([
    ['infinity', true],
    // Milliseconds (cursors issued before 2026-12-04) and microseconds (since).
    ['2026-12-02T01:02:03.123Z', true],
    ['2026-12-02T01:02:03.123456Z', true],
    ['-infinity', false],
    ['2026-02-30T01:02:03.123456Z', false],
    ['2026-12-02T01:02:03.1234Z', false],
    ['2026-12-02', false],
  ])('%s: %p', (instant, valid) => {
    const decode = () => decodeCursor(raw([instant, 'save:a:2027-01-01']), ['instantOrInfinity', /^save:/]);
    if (valid) expect(decode()).toEqual([instant, 'save:a:2027-01-01']);
    else expect(decode).toThrow('The cursor is not one this API issued');
  });

  it('round-trips what encodeCursor wrote (instantMicros)', () => {
    const values = ['2020-01-01T00:00:00.000001Z', 'bt-tie-a'];
    expect(decodeCursor(encodeCursor(values), ['instantMicros', /^bt-[a-z0-9-]+$/])).toEqual(values);
  });
});
