// Where chat exports arrive: the default folder (created when chosen) or one picked in the dialog.
import { FolderField } from '../components/FolderField.js';

export function WatchFolderChoice({ path, onChange }: { path: string; onChange: (path: string) => void }) {
  return (
    <FolderField
      label="Export folder"
      hint="Save your WhatsApp and Telegram chat exports here; each one is backed up on its own."
      path={path}
      purpose="watch"
      onPicked={onChange}
      buttonText="Choose another folder…"
    />
  );
}
