import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_SERVER_SEARCH_ATTRIBUTES, searchAttributes } from '../../workflows/definitions';

describe('search attributes', () => {
  it('registered by npm start are the ones the workflows upsert', () => {
    const script = readFileSync(join(__dirname, '..', '..', 'scripts', 'lib', 'temporal-dev-server.mjs'), 'utf8');
    const listed = /SEARCH_ATTRIBUTES = (\[[^\]]*\])/.exec(script)?.[1];
    expect([...listed!.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual(DEV_SERVER_SEARCH_ATTRIBUTES);
    const typeNames: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime' };
    expect(Object.values(searchAttributes).map((k) => `${k.name}=${typeNames[k.type]}`)).toEqual(
      DEV_SERVER_SEARCH_ATTRIBUTES,
    );
  });
});
