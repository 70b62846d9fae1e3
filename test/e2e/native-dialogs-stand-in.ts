// STAND-IN for the native dialogs (Electron's dialog module cannot run here): the only part of the app
// the window tests replace. Each dialog returns the answer the test queued (a temporary folder or file
// the test chose), or null — as if the user cancelled — when none is queued. Every call is recorded.

import type { MainServices } from '../../src/main/ipc-dispatch.js';
import type { FolderPurpose } from '../../src/shared/api.js';

export class NativeDialogsStandIn
  implements Pick<MainServices, 'dialogs' | 'showItemInFolder' | 'setStartAtLogin'>
{
  private readonly folders: Record<FolderPurpose, string[]> = {
    watch: [],
    cloud: [],
    restoreDestination: [],
  };
  private readonly kitSaves: string[] = [];
  private readonly kitOpens: string[] = [];
  /** Every dialog shown, in order (e.g. "pickFolder:cloud"). */
  readonly shown: string[] = [];
  /** Paths shown in the file manager. */
  readonly shownInFolder: string[] = [];
  /** Each start-at-login change. */
  readonly startAtLogin: boolean[] = [];

  /** The next folder picker for `purpose` answers `path`. */
  answerFolder(purpose: FolderPurpose, path: string): void {
    this.folders[purpose].push(path);
  }

  /** The next "save recovery kit" dialog answers `path`. */
  answerKitSave(path: string): void {
    this.kitSaves.push(path);
  }

  private readonly newKitAnswers: boolean[] = [];

  /** The next "make a new recovery kit?" confirmation answers `yes` (none queued: cancelled). */
  answerNewKit(yes: boolean): void {
    this.newKitAnswers.push(yes);
  }

  /** The next "open recovery kit" dialog answers `path`. */
  answerKitOpen(path: string): void {
    this.kitOpens.push(path);
  }

  readonly dialogs: MainServices['dialogs'] = {
    pickFolder: async (purpose) => {
      this.shown.push(`pickFolder:${purpose}`);
      return this.folders[purpose].shift() ?? null;
    },
    saveKitPath: async () => {
      this.shown.push('saveKitPath');
      return this.kitSaves.shift() ?? null;
    },
    openKitFile: async () => {
      this.shown.push('openKitFile');
      return this.kitOpens.shift() ?? null;
    },
    confirmNewKit: async () => {
      this.shown.push('confirmNewKit');
      return this.newKitAnswers.shift() ?? false;
    },
  };

  showItemInFolder = (path: string): void => {
    this.shownInFolder.push(path);
  };

  setStartAtLogin = (enabled: boolean): void => {
    this.startAtLogin.push(enabled);
  };
}
