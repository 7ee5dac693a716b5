import { Component, useId, type ReactNode } from 'react';
import { fieldMessages } from './lib/forms';
import type { Problem } from './lib/types';

/** A problem (application/problem+json) the api answered, as the user reads it. */
export function ProblemBanner({ problem }: { problem: Problem | undefined }) {
  if (!problem) return null;
  return (
    <div className="problem" role="alert">
      <strong>{problem.title}</strong>
      {problem.status ? (
        <span className="code">
          {' '}
          ({problem.status} {problem.code})
        </span>
      ) : null}
      <div>{problem.detail}</div>
      {problem.errors?.length ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              {e.field}: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-h`;
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

export function Pill({ kind, children }: { kind: string; children: ReactNode }) {
  return <span className={`pill pill-${kind}`}>{children}</span>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A page that failed to draw says so (and how to go on) instead of leaving the screen blank. */
export class PageErrorBoundary extends Component<{ children: ReactNode; page: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidUpdate(prev: { page: string }) {
    if (prev.page !== this.props.page && this.state.error) this.setState({ error: null });
  }
  override render() {
    if (this.state.error)
      return (
        <div className="problem" role="alert">
          <strong>This page could not be shown</strong>
          <div>{this.state.error.message}</div>
        </div>
      );
    return this.props.children;
  }
}

/** What a form control of a Field is given: its id, and its invalid state and messages tied to it for assistive technology. */
export interface FieldControl {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * A labelled form control with its hint and the api's field errors for `field` (the
 * problem's `errors[]`, e.g. `account.timeZone`) under it.
 */
export function Field({
  label,
  field,
  problem,
  hint,
  children,
}: {
  label: string;
  field: string;
  problem: Problem | undefined;
  hint?: string;
  children: (control: FieldControl) => ReactNode;
}) {
  const id = useId();
  const messages = fieldMessages(problem, field);
  const described = [hint ? `${id}-hint` : '', messages.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(messages.length ? { 'aria-invalid': true as const } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {messages.length ? (
        <span className="field-error" id={`${id}-error`}>
          {messages.join('; ')}
        </span>
      ) : null}
    </div>
  );
}
