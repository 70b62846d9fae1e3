// Something went wrong: what happened, and what to do next, in plain words (announced to screen readers).
import type { ReactNode } from 'react';

export function Problem({
  title,
  message,
  next,
  children,
}: {
  title: string;
  message?: string;
  next?: string;
  children?: ReactNode;
}) {
  return (
    <div className="note note-problem" role="alert">
      <p className="note-title">{title}</p>
      {message && <p>{message}</p>}
      {next && <p className="note-next">{next}</p>}
      {children}
    </div>
  );
}
