// The tray: one idempotent render() from the current state. The tray and the menu builder are
// injected (Electron's Tray and Menu.buildFromTemplate in the app, recording ones in tests); what did
// not change since the last render is not touched.
import type { MenuItemConstructorOptions } from 'electron';
import {
  type TrayAction,
  type TrayIconState,
  type TrayInput,
  type TrayMenuItem,
  trayModel,
} from './tray-model.js';

/** The parts of Electron's Tray the service uses. */
export interface TrayLike<Menu> {
  setImage(image: string): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: Menu | null): void;
}

export interface TrayServiceOptions<Menu> {
  tray: TrayLike<Menu>;
  buildMenu: (template: MenuItemConstructorOptions[]) => Menu;
  iconPath: (state: TrayIconState) => string;
  onAction: (action: TrayAction) => void;
  now?: () => number;
}

/** Keeps the tray in step with the engine's state. */
export class TrayService<Menu> {
  private state: Omit<TrayInput, 'now'> = { status: null, paused: false, setupDone: null, problem: null };
  private shown: { icon?: string; tooltip?: string; menu?: string } = {};
  private readonly now: () => number;

  constructor(private readonly opts: TrayServiceOptions<Menu>) {
    this.now = opts.now ?? Date.now;
  }

  /** Changes part of the state, then renders. */
  update(change: Partial<Omit<TrayInput, 'now'>>): void {
    this.state = { ...this.state, ...change };
    this.render();
  }

  /** Brings the tray in line with the state (and the clock, for "5 min ago"); skips what is unchanged. */
  render(): void {
    const model = trayModel({ ...this.state, now: this.now() });
    const icon = this.opts.iconPath(model.iconState);
    if (icon !== this.shown.icon) {
      this.opts.tray.setImage(icon);
      this.shown.icon = icon;
    }
    if (model.tooltip !== this.shown.tooltip) {
      this.opts.tray.setToolTip(model.tooltip);
      this.shown.tooltip = model.tooltip;
    }
    const menuKey = JSON.stringify(model.menu);
    if (menuKey !== this.shown.menu) {
      this.opts.tray.setContextMenu(this.opts.buildMenu(model.menu.map((item) => this.menuItem(item))));
      this.shown.menu = menuKey;
    }
  }

  private menuItem(item: TrayMenuItem): MenuItemConstructorOptions {
    switch (item.kind) {
      case 'status':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'action':
        return {
          id: item.action,
          label: item.label,
          enabled: item.enabled,
          click: () => this.opts.onAction(item.action),
        };
    }
  }
}
