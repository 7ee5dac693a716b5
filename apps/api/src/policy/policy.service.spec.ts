import { nextVersion } from './policy.service';

describe('nextVersion', () => {
  it.each([
    // given, in force, taken → the new version
    ['usage-30.1', '2026-12-01.8', [], 'usage-30.1'], // given and free: itself
    ['usage-30.1', '2026-12-01.8', ['usage-30.1'], 'usage-30.1+adopted.1'], // given, taken: derived from it
    [undefined, '2026-12-01.8', ['2026-12-01.8'], '2026-12-01.8+adopted.1'], // none given: from the one in force
    [undefined, '2026-12-01.8+adopted.1', ['2026-12-01.8+adopted.1'], '2026-12-01.8+adopted.2'], // suffix not stacked
    ['x', 'y', ['x', 'x+adopted.1', 'x+adopted.2'], 'x+adopted.3'], // the first n not taken
    ['x', 'y', ['x', 'x+adopted.2'], 'x+adopted.1'],
  ] as const)('given %s, in force %s, taken %j: %s', (given, inForce, taken, expected) => {
    expect(nextVersion(given, inForce, new Set(taken))).toBe(expected);
  });
});
