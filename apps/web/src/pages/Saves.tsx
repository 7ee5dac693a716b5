import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Empty, Loading, Pill, ProblemBanner } from '../components';
import { enc, withQuery } from '../lib/api';
import { day, label, money } from '../lib/format';
import { useGet } from '../lib/hooks';
import type { Page, SaveSummary } from '../lib/types';

/** The filters GET /saves takes, as the page's query (a link to the page keeps them). */
const FILTERS = [
  { name: 'status', text: 'Status', options: ['active', 'saved', 'lost', 'exited'] },
  { name: 'effortLevel', text: 'Effort level', options: ['full', 'standard', 'light', 'none'] },
  { name: 'probabilityTier', text: 'Save probability', options: ['high', 'medium', 'low'] },
  { name: 'segment', text: 'Segment', options: ['enterprise', 'mid_market', 'smb'] },
  { name: 'overdue', text: 'Overdue items', options: ['true', 'false'] },
] as const;
const TEXT_FILTERS = [
  { name: 'owner', text: 'Owner CSM' },
  { name: 'manager', text: 'CSM manager' },
] as const;
const PAGE_SIZE = 25;

/** The managers' save pipeline: GET /saves with its filters and order, one keyset page at a time. */
export function SavesPage() {
  const [params, setParams] = useSearchParams();
  // The cursors of the pages before this one (Previous goes back one), in the page's state.
  const [before, setBefore] = useState<Array<string | undefined>>([]);
  const cursor = params.get('cursor') ?? undefined;
  const query: Record<string, string | number | undefined> = { limit: PAGE_SIZE, sort: params.get('sort') ?? 'arr' };
  for (const f of [...FILTERS, ...TEXT_FILTERS, { name: 'renewalDateFrom' }, { name: 'renewalDateTo' }])
    query[f.name] = params.get(f.name) ?? undefined;
  query.cursor = cursor;
  const page = useGet<Page<SaveSummary>>(withQuery('/saves', query));

  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete('cursor');
    setBefore([]);
    setParams(next);
  };
  const goTo = (c: string | undefined) => {
    const next = new URLSearchParams(params);
    if (c) next.set('cursor', c);
    else next.delete('cursor');
    setParams(next);
  };

  return (
    <>
      <h1>Save pipeline</h1>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Sort by
          <select value={params.get('sort') ?? 'arr'} onChange={(e) => set('sort', e.target.value)}>
            <option value="arr">ARR at risk</option>
            <option value="deadline">Deadline</option>
          </select>
        </label>
        {FILTERS.map((f) => (
          <label key={f.name}>
            {f.text}
            <select value={params.get(f.name) ?? ''} onChange={(e) => set(f.name, e.target.value)}>
              <option value="">Any</option>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {f.name === 'overdue' ? (o === 'true' ? 'Some overdue' : 'None overdue') : label(o)}
                </option>
              ))}
            </select>
          </label>
        ))}
        {TEXT_FILTERS.map((f) => (
          <label key={f.name}>
            {f.text}
            <input
              type="search"
              defaultValue={params.get(f.name) ?? ''}
              placeholder="user id"
              onKeyDown={(e) => {
                if (e.key === 'Enter') set(f.name, e.currentTarget.value.trim());
              }}
              onBlur={(e) => {
                if (e.currentTarget.value.trim() !== (params.get(f.name) ?? ''))
                  set(f.name, e.currentTarget.value.trim());
              }}
            />
          </label>
        ))}
        <label>
          Renewal from
          <input
            type="date"
            value={params.get('renewalDateFrom') ?? ''}
            onChange={(e) => set('renewalDateFrom', e.target.value)}
          />
        </label>
        <label>
          Renewal to
          <input
            type="date"
            value={params.get('renewalDateTo') ?? ''}
            onChange={(e) => set('renewalDateTo', e.target.value)}
          />
        </label>
      </form>
      <ProblemBanner problem={page.problem} />
      {page.loading && !page.data ? <Loading what="the pipeline" /> : null}
      {page.data ? (
        page.data.items.length === 0 ? (
          <Empty>No save efforts match.</Empty>
        ) : (
          <table className="list" data-testid="saves-table" aria-busy={page.loading}>
            <caption>Save efforts, by {params.get('sort') === 'deadline' ? 'deadline' : 'ARR at risk'}</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                <th scope="col">Effort</th>
                <th scope="col">Probability</th>
                <th scope="col" className="num">
                  ARR at risk
                </th>
                <th scope="col">Deadline</th>
                <th scope="col">Renewal</th>
                <th scope="col" className="num">
                  Overdue items
                </th>
                <th scope="col">Owner</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    <Link to={`/saves/${enc(s.id)}`}>{s.accountName}</Link>
                  </th>
                  <td>
                    <Pill kind={s.status}>{label(s.status)}</Pill>
                  </td>
                  <td>{label(s.effortLevel)}</td>
                  <td>{label(s.probabilityTier)}</td>
                  <td className="num">{money(s.arrCents)}</td>
                  <td>{day(s.deadline)}</td>
                  <td>{s.renewalDate}</td>
                  <td className={s.overdueItems ? 'num overdue' : 'num'}>{s.overdueItems}</td>
                  <td>{s.ownerCsmId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="secondary"
          disabled={before.length === 0}
          onClick={() => {
            const prev = before[before.length - 1];
            setBefore(before.slice(0, -1));
            goTo(prev);
          }}
        >
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!page.data?.nextCursor}
          onClick={() => {
            setBefore([...before, cursor]);
            goTo(page.data?.nextCursor ?? undefined);
          }}
        >
          Next page
        </button>
      </nav>
    </>
  );
}
