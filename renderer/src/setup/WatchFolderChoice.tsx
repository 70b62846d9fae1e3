// Where chat exports arrive: the default folder (created when chosen) or one picked in the dialog.
import { FolderField } from '../components/FolderField.js';

interface WatchFolderChoiceProps {
  path: string;
  onChange: (path: string) => void;
  /** The id of the folder check's note, when it says something. */
  describedBy?: string | undefined;
  /** The folder check refused the folders. */
  invalid?: boolean;
}

export function WatchFolderChoice({ path, onChange, describedBy, invalid }: WatchFolderChoiceProps) {
  return (
    <FolderField
      label="Export folder"
      hint="Save your WhatsApp and Telegram chat exports here; each one is backed up on its own."
      path={path}
      purpose="watch"
      onPicked={onChange}
      buttonText="Choose another folder…"
      describedBy={describedBy}
      invalid={invalid ?? false}
    />
  );
}
