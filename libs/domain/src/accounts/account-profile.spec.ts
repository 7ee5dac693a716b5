import {
  CONTACT_NAME_MAX,
  contactProblems,
  isLifecycleStage,
  isVertical,
  sameContactName,
  sponsorAfterDeparture,
  statedContact,
  type AccountContact,
} from './account-profile';

const dana: AccountContact = { name: 'Dana Lee', email: 'dana@acme.example', title: 'CFO', departedAt: null };
const AT = '2027-03-01T09:00:00.000Z';

describe('account profile', () => {
  it.each<[string, AccountContact | null, { contactName?: string | null }, AccountContact | null]>([
    ['no sponsor on record: nothing to mark', null, { contactName: 'Dana Lee' }, null],
    ['the sponsor, named', dana, { contactName: 'Dana Lee' }, { ...dana, departedAt: AT }],
    ['the sponsor, named as people write it', dana, { contactName: '  dana   LEE ' }, { ...dana, departedAt: AT }],
    ['the sponsor, named in full-width letters', dana, { contactName: 'Ｄａｎａ Ｌｅｅ' }, { ...dana, departedAt: AT }],
    ['no name given: the sponsor on record left', dana, {}, { ...dana, departedAt: AT }],
    ['a null name: the sponsor on record left', dana, { contactName: null }, { ...dana, departedAt: AT }],
    ['an empty name: the sponsor on record left', dana, { contactName: '' }, { ...dana, departedAt: AT }],
    ['someone else left: the sponsor stays', dana, { contactName: 'Robin Park' }, null],
    [
      'already marked departed: the first departure stands',
      { ...dana, departedAt: '2027-01-01T00:00:00.000Z' },
      { contactName: 'Dana Lee' },
      null,
    ],
  ])('sponsorAfterDeparture: %s', (_, sponsor, departure, expected) => {
    expect(sponsorAfterDeparture(sponsor, { ...departure, occurredAt: AT })).toEqual(expected);
  });

  it.each<[string, unknown, Array<{ field: string; message: string }>]>([
    ['a name alone', { name: 'Dana Lee' }, []],
    ['every field', { name: 'Dana Lee', email: 'dana.lee@acme.co.jp', title: 'CFO' }, []],
    ['null email and title', { name: 'Dana Lee', email: null, title: null }, []],
    ['no name', { email: 'dana@acme.example' }, [{ field: 'name', message: 'must be a non-empty string' }]],
    ['a blank name', { name: '   ' }, [{ field: 'name', message: 'must be a non-empty string' }]],
    [
      'a name too long',
      { name: 'x'.repeat(CONTACT_NAME_MAX + 1) },
      [{ field: 'name', message: 'must be at most 200 characters' }],
    ],
    [
      'an address without a domain',
      { name: 'D', email: 'dana@acme' },
      [{ field: 'email', message: 'must be an email address' }],
    ],
    [
      'an address with a space',
      { name: 'D', email: 'da na@acme.example' },
      [{ field: 'email', message: 'must be an email address' }],
    ],
    ['two @', { name: 'D', email: 'a@b@c.example' }, [{ field: 'email', message: 'must be an email address' }]],
    ['a blank title', { name: 'D', title: ' ' }, [{ field: 'title', message: 'must be a non-empty string' }]],
    ['a number for a title', { name: 'D', title: 7 }, [{ field: 'title', message: 'must be a non-empty string' }]],
    ['an unknown field', { name: 'D', phone: '555' }, [{ field: 'phone', message: 'unknown field' }]],
    [
      'text the database cannot store',
      { name: 'D\u0000' },
      [{ field: 'name', message: 'must not contain U+0000 or an unpaired UTF-16 surrogate' }],
    ],
    ['a string', 'Dana Lee', [{ field: '', message: 'must be an object { name, email?, title? } or null' }]],
    ['a list', [{ name: 'D' }], [{ field: '', message: 'must be an object { name, email?, title? } or null' }]],
  ])('contactProblems: %s', (_, value, expected) => {
    expect(contactProblems(value)).toEqual(expected);
  });

  it.each([
    [{ name: ' Dana Lee ' }, { name: 'Dana Lee', email: null, title: null, departedAt: null }],
    [
      { name: 'Dana Lee', email: ' dana@acme.example ', title: 'CFO' },
      { name: 'Dana Lee', email: 'dana@acme.example', title: 'CFO', departedAt: null },
    ],
    [
      { name: 'Dana Lee', email: null, title: '' },
      { name: 'Dana Lee', email: null, title: null, departedAt: null },
    ],
  ])('statedContact(%j): a named contact is in place', (stated, kept) => {
    expect(statedContact(stated)).toEqual(kept);
  });

  it.each([
    ['Dana Lee', 'dana lee', true],
    ['Dana  Lee', ' Dana Lee', true],
    ['Dana Lee', 'Dana Li', false],
  ])('sameContactName(%j, %j) is %s', (a, b, same) => {
    expect(sameContactName(a, b)).toBe(same);
  });

  it.each([
    ['education', true, false],
    ['public_sector', true, false],
    ['adoption', false, true],
    ['Education', false, false],
    [null, false, false],
  ])('%j is a vertical: %s, a lifecycle stage: %s', (value, vertical, stage) => {
    expect([isVertical(value), isLifecycleStage(value)]).toEqual([vertical, stage]);
  });
});
