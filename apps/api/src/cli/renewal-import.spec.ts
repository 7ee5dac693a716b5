import { CsvFormatError, parseRenewalCsv, progressLine } from './renewal-import';

const header = 'account_id,account_name,arr_cents,segment,time_zone,owner_csm_id,renewal_date,csm_manager_id';

describe('parseRenewalCsv', () => {
  it('turns rows into launch requests with their line numbers, quoted commas included', () => {
    const csv = `${header}\nacc-1,"Acme, Inc.",12000000,enterprise,Asia/Tokyo,csm-1,2027-03-31,mgr-1\nacc-2,Beta,500000,smb,UTC,csm-2,2027-04-30,\n`;
    const parsed = parseRenewalCsv(csv);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.rows).toEqual([
      {
        row: 2,
        body: {
          account: {
            id: 'acc-1',
            name: 'Acme, Inc.',
            arrCents: 12_000_000,
            segment: 'enterprise',
            timeZone: 'Asia/Tokyo',
            ownerCsmId: 'csm-1',
            csmManagerId: 'mgr-1',
          },
          renewalDate: '2027-03-31',
        },
      },
      {
        row: 3,
        body: {
          account: {
            id: 'acc-2',
            name: 'Beta',
            arrCents: 500_000,
            segment: 'smb',
            timeZone: 'UTC',
            ownerCsmId: 'csm-2',
          },
          renewalDate: '2027-04-30',
        },
      },
    ]);
  });

  it('rejects malformed rows with their line number and keeps the rest', () => {
    const csv = `${header}\nacc-1,A,100,smb,UTC,csm-1,2027-03-31,\nacc-2,B,12.50,smb,UTC,csm-1,2027-03-31,\nacc-3,C,-4,smb,UTC,csm-1,2027-03-31,\nacc-4,D,100,smb\n`;
    const parsed = parseRenewalCsv(csv);
    expect(parsed.rows.map((r) => r.row)).toEqual([2]);
    expect(parsed.rejected).toEqual([
      { row: 3, reason: 'arr_cents "12.50" is not a whole number of cents' },
      { row: 4, reason: 'arr_cents "-4" is not a whole number of cents' },
      { row: 5, reason: 'has 4 fields, the header has 8' },
    ]);
  });

  it('refuses a file whose header is wrong, naming the columns', () => {
    expect(() => parseRenewalCsv('account_id,name\nx,y\n')).toThrow(CsvFormatError);
    expect(() => parseRenewalCsv('account_id,name\nx,y\n')).toThrow(
      /missing columns: account_name, arr_cents.*unknown columns: name/,
    );
    expect(() => parseRenewalCsv('')).toThrow(/empty/);
    expect(() => parseRenewalCsv(`${header}\n"unterminated,1\n`)).toThrow(/not a readable CSV/);
  });

  it.each([
    ['no profile cells', ',,,,,,,,', {}],
    ['a vertical and a stage', 'education,adoption,,,,,,,', { vertical: 'education', lifecycleStage: 'adoption' }],
    ['a customer-since date', ',,,,,,,,2023-06-15', { customerSince: '2023-06-15' }],
    [
      'a sponsor with every cell, a champion by name',
      ',,Dana Lee,dana@acme.example,CFO,Sam Ito,,,',
      {
        executiveSponsor: { name: 'Dana Lee', email: 'dana@acme.example', title: 'CFO' },
        champion: { name: 'Sam Ito' },
      },
    ],
    // Sent as written: the api refuses a contact without a name, naming the field.
    ['a champion email without a name', ',,,,,,sam@acme.example,,', { champion: { email: 'sam@acme.example' } }],
  ])('reads the optional profile columns: %s', (_, cells, profile) => {
    const profileHeader =
      'vertical,lifecycle_stage,executive_sponsor_name,executive_sponsor_email,executive_sponsor_title,champion_name,champion_email,champion_title,customer_since';
    const csv = `${header},${profileHeader}\nacc-1,Acme,100,smb,UTC,csm-1,2027-03-31,,${cells}\n`;
    const parsed = parseRenewalCsv(csv);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.rows[0]!.body.account).toEqual({
      id: 'acc-1',
      name: 'Acme',
      arrCents: 100,
      segment: 'smb',
      timeZone: 'UTC',
      ownerCsmId: 'csm-1',
      ...profile,
    });
  });

  it('draws a progress bar', () => {
    expect(progressLine(5, 10, 10)).toBe('[#####.....] 5/10 rows');
    expect(progressLine(0, 0, 4)).toBe('[####] 0/0 rows');
  });
});
