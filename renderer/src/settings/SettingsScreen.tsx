// Settings: folders, backups, retention, devices, recipients, the recovery kit and verification; and the
// "Check my recovery kit" screen opened from there. Opened at the recovery kit (the tray's drill reminder),
// it scrolls there and puts the focus on its heading.
import { useEffect, useRef, useState } from 'react';
import type { AppSettings, SettingsUpdate, WindowView } from '../../../src/shared/api.js';
import { api } from '../api.js';
import { FocusHeading } from '../components/FocusHeading.js';
import { Problem } from '../components/Problem.js';
import { useLoad } from '../hooks/useLoad.js';
import { DevicesSection } from './DevicesSection.js';
import { FoldersSection } from './FoldersSection.js';
import { GeneralSection } from './GeneralSection.js';
import { KitCheckScreen } from './KitCheckScreen.js';
import { KitDrillSection } from './KitDrillSection.js';
import { RecipientsSection } from './RecipientsSection.js';
import { RenewKitScreen } from './RenewKitScreen.js';
import { RetentionSection } from './RetentionSection.js';
import { VerifySection } from './VerifySection.js';

interface SettingsScreenProps {
  /** A part to show (each request has its own `visit`, so asking again shows it again). */
  show?: { view: WindowView; visit: number };
}

export function SettingsScreen({ show }: SettingsScreenProps) {
  const [loaded] = useLoad(api.settings.get);
  // The list's changes are read after the devices (each read syncs the vault's list).
  const [devices] = useLoad(async () => ({
    list: await api.devices.list(),
    history: await api.devices.changes(),
  }));
  const [recipients] = useLoad(api.recipients.list);
  const [drill, reloadDrill] = useLoad(api.kit.drill);
  const [checkingKit, setCheckingKit] = useState(false);
  const [renewingKit, setRenewingKit] = useState(false);
  const kitSection = useRef<HTMLDivElement>(null);
  // Scrolled to once what is above it has loaded (it would be pushed out of view after).
  const kitReady = drill.state === 'ready' && loaded.state !== 'loading' && devices.state !== 'loading';
  const kitVisit = show?.view === 'recoveryKit' ? show.visit : null;
  useEffect(() => {
    if (kitVisit === null || !kitReady) return;
    // The section's own heading takes the focus, as a new screen's does (FocusHeading).
    const heading = kitSection.current?.querySelector('h2');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.classList.add('focus-heading');
    heading.focus();
    heading.scrollIntoView({ block: 'start' });
  }, [kitVisit, kitReady]);
  // The settings as the engine last answered them (each change answers with all of them).
  const [latest, setLatest] = useState<AppSettings | null>(null);
  const settings = latest ?? (loaded.state === 'ready' ? loaded.value : null);

  // Each section shows its own errors, next to what the user changed.
  const update = async (change: SettingsUpdate) => setLatest(await api.settings.update(change));
  const refresh = async () => setLatest(await api.settings.get());

  return (
    <>
      {checkingKit && (
        <KitCheckScreen
          onDone={() => {
            reloadDrill();
            setCheckingKit(false);
          }}
        />
      )}
      {renewingKit && (
        <RenewKitScreen
          onDone={() => {
            reloadDrill();
            setRenewingKit(false);
          }}
        />
      )}
      {/* Hidden, not unmounted, while the kit is checked or renewed: each section keeps what it shows. */}
      <div className="screen" hidden={checkingKit || renewingKit}>
        <FocusHeading>Settings</FocusHeading>
        {loaded.state === 'failed' && (
          <Problem title="The settings could not be read" message={loaded.message} />
        )}
        {settings && (
          <>
            <FoldersSection settings={settings} onUpdate={update} />
            <GeneralSection settings={settings} onUpdate={update} onRefresh={refresh} />
            <RetentionSection retention={settings.retention} onSave={(retention) => update({ retention })} />
          </>
        )}
        {devices.state === 'ready' && (
          <DevicesSection initial={devices.value.list} initialHistory={devices.value.history} />
        )}
        {devices.state === 'failed' && (
          <Problem title="The vault’s devices could not be read" message={devices.message} />
        )}
        <div ref={kitSection}>
          {drill.state === 'ready' && (
            <KitDrillSection
              drill={drill.value}
              onCheck={() => setCheckingKit(true)}
              onLost={() => setRenewingKit(true)}
              onUpdate={async (change) => {
                await update(change);
                reloadDrill();
              }}
            />
          )}
        </div>
        {recipients.state === 'ready' && <RecipientsSection initial={recipients.value} />}
        <VerifySection />
      </div>
    </>
  );
}
