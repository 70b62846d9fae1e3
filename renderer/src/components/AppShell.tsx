// The window's frame: the app's name, the sections (once set up) and the main landmark.
import type { ReactNode } from 'react';
import { Icon } from './Icon.js';

export type Section = 'history' | 'restore' | 'settings';

const SECTIONS: { id: Section; label: string }[] = [
  { id: 'history', label: 'Backups' },
  { id: 'restore', label: 'Restore' },
  { id: 'settings', label: 'Settings' },
];

interface AppShellProps {
  current?: Section;
  onNavigate?: (section: Section) => void;
  children: ReactNode;
}

export function AppShell({ current, onNavigate, children }: AppShellProps) {
  return (
    <div className="app">
      <header className="app-header no-print">
        <span className="brand">
          <Icon name="shield" className="brand-icon" />
          Puddleproof
        </span>
        {onNavigate && (
          <nav aria-label="Sections">
            <ul className="tabs">
              {SECTIONS.map(({ id, label }) => (
                <li key={id}>
                  <button
                    type="button"
                    className="tab"
                    aria-current={current === id ? 'page' : undefined}
                    onClick={() => onNavigate(id)}
                  >
                    {label}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <main className="app-main">{children}</main>
    </div>
  );
}
