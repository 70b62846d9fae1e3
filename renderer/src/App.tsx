// The window: first-run setup until the kit is confirmed, then Backups, Restore and Settings; main may
// ask it to show a view (the tray's drill reminder opens Settings → Recovery kit).
import { useState } from 'react';
import type { WindowView } from '../../src/shared/api.js';
import { api } from './api.js';
import { AppShell, type Section } from './components/AppShell.js';
import { Problem } from './components/Problem.js';
import { HistoryScreen } from './history/HistoryScreen.js';
import { useLoad } from './hooks/useLoad.js';
import { useWindowView } from './hooks/useWindowView.js';
import { RestoreWizard } from './restore/RestoreWizard.js';
import { SettingsScreen } from './settings/SettingsScreen.js';
import { FirstRun } from './setup/FirstRun.js';

interface Place {
  section: Section;
  /** A backup chosen in the history, to restore. */
  version?: string;
  /** Bumped on each "Restore…" so the wizard starts afresh. */
  visit: number;
  /** A part of Settings main asked to show. */
  view?: WindowView;
}

export function App() {
  const [setup, reloadSetup] = useLoad(api.setup.state);
  const [place, setPlace] = useState<Place>({ section: 'history', visit: 0 });
  const go = (section: Section, version?: string) =>
    setPlace((p) => ({ section, visit: p.visit + 1, ...(version ? { version } : {}) }));
  useWindowView((view) => setPlace((p) => ({ section: 'settings', visit: p.visit + 1, view })));

  if (setup.state === 'loading') {
    return (
      <AppShell>
        <p className="muted">Starting…</p>
      </AppShell>
    );
  }
  if (setup.state === 'failed') {
    return (
      <AppShell>
        <Problem title="Puddleproof could not start" message={setup.message} next="Fix this, then try again.">
          <button type="button" onClick={reloadSetup}>
            Try again
          </button>
        </Problem>
      </AppShell>
    );
  }
  if (setup.value.stage === 'needsSetup') {
    return (
      <AppShell>
        <FirstRun setup={setup.value} onReady={reloadSetup} />
      </AppShell>
    );
  }
  return (
    <AppShell current={place.section} onNavigate={go}>
      {place.section === 'history' && (
        <HistoryScreen onRestore={(id) => go('restore', id)} onOpenSettings={() => go('settings')} />
      )}
      {place.section === 'restore' && (
        <RestoreWizard key={place.visit} {...(place.version ? { initialVersion: place.version } : {})} />
      )}
      {place.section === 'settings' && (
        <SettingsScreen {...(place.view ? { show: { view: place.view, visit: place.visit } } : {})} />
      )}
    </AppShell>
  );
}
