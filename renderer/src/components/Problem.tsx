// Something went wrong: what happened, and what to do next, in plain words (announced to screen readers).
// Give it an `id` to name it in a control's aria-describedby.
import type { ReactNode } from 'react';

export function Problem({
  title,
  message,
  next,
  children,
  id,
}: {
  title: string;
  message?: string;
  next?: string;
  children?: ReactNode;
  id?: string;
}) {
  return (
    <div className="note note-problem" role="alert" id={id}>
      <p className="note-title">{title}</p>
      {message && <p>{message}</p>}
      {next && <p className="note-next">{next}</p>}
      {children}
    </div>
  );
}
