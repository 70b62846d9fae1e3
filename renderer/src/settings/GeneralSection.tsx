// Settings: this computer's name, the quiet period, notifications, start at login, and pause.
import { type FormEvent, useId, useState } from 'react';
import type { AppSettings, SettingsUpdate } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';
import { SettingToggle } from './SettingToggle.js';

interface GeneralSectionProps {
  settings: AppSettings;
  onUpdate: (update: SettingsUpdate) => Promise<void>;
  /** Reads the settings again (after pause or resume). */
  onRefresh: () => Promise<void>;
}

export function GeneralSection({ settings, onUpdate, onRefresh }: GeneralSectionProps) {
  const id = useId();
  const [deviceName, setDeviceName] = useState(settings.deviceName);
  const [quiet, setQuiet] = useState(String(settings.quietSeconds));
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const quietNumber = Number(quiet);
  const quietValid =
    quiet.trim() !== '' && Number.isInteger(quietNumber) && quietNumber >= 1 && quietNumber <= 3600;
  const dirty = deviceName.trim() !== settings.deviceName || quietNumber !== settings.quietSeconds;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setError(null);
    try {
      await onUpdate({ deviceName: deviceName.trim(), quietSeconds: quietNumber });
      setSaved(true);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Backups</h2>
      <form className="settings-form" onSubmit={save}>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-name`}>
            Name of this computer
          </label>
          <input
            id={`${id}-name`}
            type="text"
            value={deviceName}
            maxLength={100}
            required
            onChange={(e) => {
              setDeviceName(e.target.value);
              setSaved(false);
            }}
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-quiet`}>
            Quiet period (seconds)
          </label>
          <span className="field-hint" id={`${id}-quiet-hint`}>
            An export is backed up once nothing in it has changed for this long.
          </span>
          <input
            id={`${id}-quiet`}
            type="number"
            min={1}
            max={3600}
            step={1}
            value={quiet}
            className="narrow"
            aria-describedby={`${id}-quiet-hint`}
            aria-invalid={!quietValid}
            onChange={(e) => {
              setQuiet(e.target.value);
              setSaved(false);
            }}
          />
        </div>
        <div className="actions">
          <button type="submit" disabled={!dirty || !quietValid || !deviceName.trim()}>
            Save
          </button>
          <span aria-live="polite" className="muted">
            {saved && !dirty ? 'Saved.' : ''}
          </span>
        </div>
        <FieldError message={error} />
      </form>
      <div className="toggles">
        <SettingToggle
          label="Start Puddleproof when I log in"
          checked={settings.startAtLogin}
          onChange={(startAtLogin) => onUpdate({ startAtLogin })}
        />
        <SettingToggle
          label="Notify me after each successful backup (failures are always shown)"
          checked={settings.notifyOnSuccess}
          onChange={(notifyOnSuccess) => onUpdate({ notifyOnSuccess })}
        />
        <SettingToggle
          label="Pause backups"
          checked={settings.paused}
          onChange={async (pause) => {
            await (pause ? api.watching.pause() : api.watching.resume());
            await onRefresh();
          }}
        />
      </div>
    </section>
  );
}
