// A heading that takes the focus when it appears, so keyboard and screen-reader users land on each new
// screen or wizard step instead of at the top of the page.
import { type ReactNode, useEffect, useRef } from 'react';

interface FocusHeadingProps {
  level?: 1 | 2;
  id?: string;
  children: ReactNode;
}

export function FocusHeading({ level = 1, id, children }: FocusHeadingProps) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  const Tag = level === 1 ? 'h1' : 'h2';
  return (
    <Tag ref={ref} id={id} tabIndex={-1} className="focus-heading">
      {children}
    </Tag>
  );
}
