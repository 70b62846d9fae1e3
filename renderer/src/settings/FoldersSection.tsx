// Settings: the export folder and the cloud folder, changed with the native folder picker. A new folder
// is checked with the other one before anything is saved: a refused pair is said next to the folder
// chosen, and the settings stay as they were. What the check says of the saved pair (a profile made
// before the check, say) is shown under both folders.
import { useId } from 'react';
import type { AppSettings, SettingsUpdate } from '../../../src/shared/api.js';
import { api } from '../api.js';
import { FolderCheckNote } from '../components/FolderCheckNote.js';
import { FolderField } from '../components/FolderField.js';
import { folderCheckAria } from '../folder-check.js';
import { useFolderCheck } from '../hooks/useFolderCheck.js';

export function FoldersSection({
  settings,
  onUpdate,
}: {
  settings: AppSettings;
  onUpdate: (update: SettingsUpdate) => Promise<void>;
}) {
  const id = useId();
  const check = useFolderCheck(settings.watchDir, settings.cloudDir);
  const aria = folderCheckAria(`${id}-check`, check);

  /** Saves a new folder once the check allows it with the other one; else throws its reason. */
  const change = async (update: { watchDir: string } | { cloudDir: string }) => {
    const { refused } = await api.folders.check({
      watchDir: 'watchDir' in update ? update.watchDir : settings.watchDir,
      cloudDir: 'cloudDir' in update ? update.cloudDir : settings.cloudDir,
    });
    if (refused) throw new Error(refused);
    await onUpdate(update);
  };

  return (
    <section className="card settings-section" aria-labelledby="folders-title">
      <h2 id="folders-title">Folders</h2>
      <FolderField
        label="Export folder"
        hint="Where your chat exports arrive; each one is backed up once it stops changing."
        path={settings.watchDir}
        purpose="watch"
        onPicked={(watchDir) => change({ watchDir })}
        buttonText="Change…"
        {...aria}
      />
      <FolderField
        label="Cloud folder"
        hint="Where the encrypted backups go. To move the vault, first move its Puddleproof folder there."
        path={settings.cloudDir}
        purpose="cloud"
        onPicked={(cloudDir) => change({ cloudDir })}
        buttonText="Change…"
        {...aria}
      />
      <FolderCheckNote id={`${id}-check`} check={check} />
    </section>
  );
}
