// The native dialogs behind MainServices.dialogs: folder pickers, where to save the recovery kit, which
// kit file to open, and the confirmation before a new kit is made. Each is attached to our window when it
// is open.
import { join } from 'node:path';
import type { BaseWindow, Dialog, MessageBoxOptions, OpenDialogOptions, SaveDialogOptions } from 'electron';
import type { FolderPurpose } from '../shared/api.js';
import type { MainServices } from './ipc-dispatch.js';

const FOLDER_TITLES: Record<FolderPurpose, string> = {
  watch: 'Choose the folder where you save chat exports',
  cloud: 'Choose your cloud-synced folder',
  restoreDestination: 'Choose where to restore',
};

/** Electron's dialogs as the dispatcher wants them; `parent` is our window or null. */
export function nativeDialogs(
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog' | 'showMessageBox'>,
  parent: () => BaseWindow | null,
  documentsDir: string,
): MainServices['dialogs'] {
  const open = (options: OpenDialogOptions) => {
    const window = parent();
    return window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options);
  };
  const save = (options: SaveDialogOptions) => {
    const window = parent();
    return window ? dialog.showSaveDialog(window, options) : dialog.showSaveDialog(options);
  };
  const message = (options: MessageBoxOptions) => {
    const window = parent();
    return window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options);
  };
  return {
    async confirmNewKit() {
      const result = await message({
        type: 'warning',
        message: 'Make a new recovery kit?',
        detail:
          'The new kit is shown once in the window. It holds the keys to all your backups: save or print it, ' +
          'and keep it offline.',
        buttons: ['Make a new kit', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
      });
      return result.response === 0;
    },
    async pickFolder(purpose) {
      const result = await open({
        title: FOLDER_TITLES[purpose],
        properties: ['openDirectory', 'createDirectory'],
      });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async saveKitPath() {
      const result = await save({
        title: 'Save your recovery kit',
        defaultPath: join(documentsDir, 'Puddleproof recovery kit.txt'),
        filters: [{ name: 'Recovery kit', extensions: ['txt'] }],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    async openKitFile() {
      const result = await open({
        title: 'Open your recovery kit',
        properties: ['openFile'],
        filters: [
          { name: 'Recovery kit', extensions: ['txt'] },
          { name: 'All files', extensions: ['*'] },
        ],
      });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  };
}
