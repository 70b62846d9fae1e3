// Settings: the export folder and the cloud folder, changed with the native folder picker.
import type { AppSettings, SettingsUpdate } from '../../../src/shared/api.js';
import { FolderField } from '../components/FolderField.js';

export function FoldersSection({
  settings,
  onUpdate,
}: {
  settings: AppSettings;
  onUpdate: (update: SettingsUpdate) => Promise<void>;
}) {
  return (
    <section className="card settings-section" aria-labelledby="folders-title">
      <h2 id="folders-title">Folders</h2>
      <FolderField
        label="Export folder"
        hint="Where your chat exports arrive; each one is backed up once it stops changing."
        path={settings.watchDir}
        purpose="watch"
        onPicked={(watchDir) => onUpdate({ watchDir })}
        buttonText="Change…"
      />
      <FolderField
        label="Cloud folder"
        hint="Where the encrypted backups go. To move the vault, first move its Puddleproof folder there."
        path={settings.cloudDir}
        purpose="cloud"
        onPicked={(cloudDir) => onUpdate({ cloudDir })}
        buttonText="Change…"
      />
    </section>
  );
}
