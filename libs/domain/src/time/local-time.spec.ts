import {
  addDays,
  addMonths,
  daysBetween,
  isIsoDate,
  isValidTimeZone,
  localDateAt,
  zonedTimeToInstant,
} from './local-time';

describe('calendar dates', () => {
  it.each([
    ['2027-03-31', true],
    ['2027-02-29', false],
    ['2028-02-29', true],
    ['2027-13-01', false],
    ['27-03-31', false],
    ['2027-3-31', false],
  ])('isIsoDate(%s) is %s', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected);
  });

  it('adds and counts days across month, year and leap boundaries', () => {
    expect(addDays('2027-03-31', -90)).toBe('2026-12-31');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(daysBetween('2026-12-31', '2027-03-31')).toBe(90);
    expect(daysBetween('2027-03-31', '2026-12-31')).toBe(-90);
    expect(addMonths('2027-03-31', 12)).toBe('2028-03-31');
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
    expect(addMonths('2028-02-29', 12)).toBe('2029-02-28');
    expect(addMonths('2027-11-15', 3)).toBe('2028-02-15');
  });
});

describe('zonedTimeToInstant', () => {
  it.each([
    // zone, date, hour, expected UTC instant
    ['UTC', '2027-03-31', 9, '2027-03-31T09:00:00.000Z'],
    ['Asia/Tokyo', '2027-03-31', 9, '2027-03-31T00:00:00.000Z'],
    ['Asia/Jakarta', '2027-01-15', 9, '2027-01-15T02:00:00.000Z'],
    ['America/New_York', '2027-01-15', 9, '2027-01-15T14:00:00.000Z'], // EST, UTC-5
    ['America/New_York', '2027-07-15', 9, '2027-07-15T13:00:00.000Z'], // EDT, UTC-4
    ['Europe/Berlin', '2027-03-28', 9, '2027-03-28T07:00:00.000Z'], // day of spring-forward, after it
    ['Europe/Berlin', '2027-10-31', 9, '2027-10-31T08:00:00.000Z'], // day of fall-back, after it
    ['Australia/Sydney', '2027-01-15', 9, '2027-01-14T22:00:00.000Z'], // AEDT, UTC+11
  ])('%s %s %i:00 is %s', (zone, date, hour, expected) => {
    expect(zonedTimeToInstant(date, hour, 0, zone).toISOString()).toBe(expected);
  });

  it('moves a wall time inside a spring-forward gap forward by the gap', () => {
    // 2027-03-14 02:30 does not exist in New York (02:00 -> 03:00 EDT).
    expect(zonedTimeToInstant('2027-03-14', 2, 30, 'America/New_York').toISOString()).toBe('2027-03-14T07:30:00.000Z');
  });

  it('takes the earlier instant of a fall-back overlap', () => {
    // 2027-11-07 01:30 happens twice in New York; the first is EDT (UTC-4).
    expect(zonedTimeToInstant('2027-11-07', 1, 30, 'America/New_York').toISOString()).toBe('2027-11-07T05:30:00.000Z');
  });

  it('reads the local date of an instant', () => {
    const instant = new Date('2027-03-30T16:00:00Z');
    expect(localDateAt(instant, 'Asia/Tokyo')).toBe('2027-03-31');
    expect(localDateAt(instant, 'America/Los_Angeles')).toBe('2027-03-30');
  });

  it('knows valid zones from invalid ones', () => {
    expect(isValidTimeZone('Asia/Jakarta')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
