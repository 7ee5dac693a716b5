import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_POLICY } from '@retain/domain';

/**
 * docs/rulebook.md names, for every rule, the policy key that holds its number and the
 * function that applies it. These tests keep it honest: every file and function it
 * names exists, every policy key resolves in DEFAULT_POLICY with the default it states,
 * and every section number or heading the code cites is in the rulebook.
 */
const ROOT = join(__dirname, '..', '..');
const RULEBOOK = 'docs/rulebook.md';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The contents of every `code span` of a markdown text, with line breaks inside a paragraph joined. */
function codeSpans(md: string): string[] {
  return [...md.replace(/\s+/g, ' ').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** `path#name` and `path#Class.member` references. */
function codeReferences(md: string): Array<{ path: string; name: string }> {
  return codeSpans(md)
    .map((s) =>
      /^((?:apps|libs|workflows|test|scripts|bench)\/[\w./-]+\.(?:ts|mjs))#([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)$/.exec(
        s,
      ),
    )
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: m[1]!, name: m[2]! }));
}

const escape = (s: string) => s.replace(/[$]/g, '\\$');

/** Why a reference does not hold (the file is missing, or declares no such function, constant, type or member), or null. */
function brokenReference(ref: { path: string; name: string }, source: (path: string) => string | null): string | null {
  const text = source(ref.path);
  if (text === null) return `${ref.path} does not exist`;
  const [owner, member] = ref.name.split('.') as [string, string | undefined];
  const declaration = new RegExp(
    `^(?:export\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:function\\*?|const|let|class|interface|type|enum)\\s+${escape(owner)}\\b`,
    'm',
  );
  const at = text.search(declaration);
  if (at < 0) return `${ref.path} declares no ${owner}`;
  if (member === undefined) return null;
  const body = text.slice(at);
  const method = new RegExp(
    `^\\s+(?:(?:public|private|protected|readonly|static|async|get|set|override)\\s+)*${escape(member)}\\s*[(<=:]`,
    'm',
  );
  return method.test(body) ? null : `${owner} in ${ref.path} has no member ${member}`;
}

/** Policy keys (`renewal.…`, `save.…`, …) and the default stated right after them (`key` = value), if any. */
function policyClaims(md: string): Array<{ key: string; stated: string | null }> {
  const flat = md.replace(/\s+/g, ' ');
  const out: Array<{ key: string; stated: string | null }> = [];
  for (const m of flat.matchAll(
    /`((?:renewal|save|postSave|winBack|earlyWarning|notifications|metrics)(?:\.[A-Za-z0-9_]+)+)`( = ([A-Za-z0-9_.-]+))?/g,
  )) {
    out.push({ key: m[1]!, stated: m[3] === undefined ? null : m[3].replace(/\.+$/, '') });
  }
  return out;
}

/** Why a claim does not hold against the policy (no such key, or another default), or null. */
function brokenClaim(claim: { key: string; stated: string | null }, policy: unknown): string | null {
  let value: unknown = policy;
  for (const part of claim.key.split('.')) {
    if (typeof value !== 'object' || value === null || !(part in value)) return `${claim.key} is not a policy setting`;
    value = (value as Record<string, unknown>)[part];
  }
  if (claim.stated === null) return null;
  if (typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string')
    return `${claim.key} is not a single value, yet the rulebook states ${claim.stated}`;
  return String(value) === claim.stated ? null : `${claim.key} is ${String(value)}, the rulebook says ${claim.stated}`;
}

/** The rulebook's headings: their section numbers and their titles. */
function headings(md: string): { numbers: Set<string>; titles: Set<string> } {
  const numbers = new Set<string>();
  const titles = new Set<string>();
  for (const [, text] of md.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const numbered = /^(\d+(?:\.\d+)*)\.?\s+(.+)$/.exec(text!.trim());
    if (numbered) numbers.add(numbered[1]!);
    titles.add((numbered ? numbered[2]! : text!).trim());
  }
  return { numbers, titles };
}

/** Citations of the rulebook in a source or documentation file: by heading (`docs/rulebook.md, "Title"`) and by number (`docs/rulebook.md §4.7`). */
function rulebookCitations(text: string): { titles: string[]; numbers: string[] } {
  const flat = text.replace(/\n\s*(?:\*|\/\/)?\s*/g, ' ');
  const titles = [...flat.matchAll(/docs\/rulebook\.md,\s*"([^"]+)"/g)].map((m) => m[1]!.trim());
  const numbers = [...flat.matchAll(/docs\/rulebook\.md\s+((?:§\d+(?:\.\d+)*(?:\s*(?:,|and)\s*)?)+)/g)].flatMap((m) =>
    [...m[1]!.matchAll(/§(\d+(?:\.\d+)*)/g)].map((n) => n[1]!),
  );
  return { titles, numbers };
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const path = `${dir}/${entry}`;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(?:ts|mjs|md)$/.test(entry)) out.push(path);
  }
  return out;
}

const source = (path: string) => (existsSync(join(ROOT, path)) ? read(path) : null);

describe('docs/rulebook.md', () => {
  const md = read(RULEBOOK);

  it('names files and functions that exist', () => {
    const refs = codeReferences(md);
    expect(refs.length).toBeGreaterThan(150);
    expect(refs.map((r) => brokenReference(r, source)).filter(Boolean)).toEqual([]);
  });

  it('names files and folders of the repository that exist', () => {
    const paths = codeSpans(md).filter((s) => /^(?:apps|libs|workflows|test|scripts|bench|docs)\/[\w./-]*$/.test(s));
    expect(paths.length).toBeGreaterThan(3);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('names policy keys that exist, with their defaults', () => {
    const claims = policyClaims(md);
    expect(claims.filter((c) => c.stated !== null).length).toBeGreaterThan(100);
    expect(claims.map((c) => brokenClaim(c, DEFAULT_POLICY)).filter(Boolean)).toEqual([]);
  });

  it('has every section and heading the code and the docs cite', () => {
    const { numbers, titles } = headings(md);
    const missing: string[] = [];
    let cited = 0;
    for (const file of [
      'README.md',
      ...sourceFiles('docs'),
      ...['apps', 'libs', 'workflows', 'test', 'scripts', 'bench'].flatMap(sourceFiles),
    ]) {
      if (file === relative(ROOT, __filename)) continue;
      const c = rulebookCitations(read(file));
      cited += c.titles.length + c.numbers.length;
      for (const t of c.titles) if (!titles.has(t)) missing.push(`${file}: "${t}"`);
      for (const n of c.numbers) if (!numbers.has(n)) missing.push(`${file}: §${n}`);
    }
    expect(cited).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('keeps the section numbers code has always cited (§1 to §6, §4.1 to §4.11, §5.1 to §5.6)', () => {
    const { numbers } = headings(md);
    const expected = [
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      ...Array.from({ length: 11 }, (_, i) => `4.${i + 1}`),
      ...Array.from({ length: 6 }, (_, i) => `5.${i + 1}`),
    ];
    expect(expected.filter((n) => !numbers.has(n))).toEqual([]);
  });
});

describe('the rulebook checks bite', () => {
  const files: Record<string, string> = {
    'libs/x.ts':
      'export function real() {}\nconst inner = 1;\nexport class Box {\n  open(): void {}\n  get size(): number { return 1; }\n}\n',
  };
  const fake = (path: string) => files[path] ?? null;

  it.each<[string, string | null]>([
    ['libs/x.ts#real', null],
    ['libs/x.ts#inner', null],
    ['libs/x.ts#Box.open', null],
    ['libs/x.ts#Box.size', null],
    ['libs/x.ts#gone', 'libs/x.ts declares no gone'],
    ['libs/x.ts#Box.close', 'Box in libs/x.ts has no member close'],
    ['libs/y.ts#real', 'libs/y.ts does not exist'],
  ])('%s -> %p', (ref, problem) => {
    const [parsed] = codeReferences(`\`${ref}\``);
    expect(brokenReference(parsed!, fake)).toBe(problem);
  });

  it('refuses an unknown policy key and a wrong default, across a line break', () => {
    const claims = policyClaims(
      '`save.approval.maxDiscountPct.director`\n  = 20, `save.nothing` = 1 and `renewal.termMonths` = 12.',
    );
    expect(claims.map((c) => brokenClaim(c, DEFAULT_POLICY))).toEqual([
      'save.approval.maxDiscountPct.director is 25, the rulebook says 20',
      'save.nothing is not a policy setting',
      null,
    ]);
  });

  it('finds citations by heading and by number, across comment lines', () => {
    const cite = 'docs/rulebook.md';
    expect(rulebookCitations(` * (${cite}, "Renewal\n * day and after"); ${cite} §4.7, §4.8 and ${cite} §5.1`)).toEqual(
      { titles: ['Renewal day and after'], numbers: ['4.7', '4.8', '5.1'] },
    );
  });
});
