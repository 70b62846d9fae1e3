// A setting that applies as soon as it is ticked: it shows the new value at once, and the old one
// again (with the reason) if the change was refused.
import { useState } from 'react';
import { messageOf } from '../api.js';
import { FieldError } from '../components/FieldError.js';

interface SettingToggleProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => Promise<void>;
}

export function SettingToggle({ label, checked, onChange }: SettingToggleProps) {
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const change = async (next: boolean) => {
    setPending(next);
    setError(null);
    try {
      await onChange(next);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setPending(null);
    }
  };
  return (
    <div>
      <label className="check">
        <input
          type="checkbox"
          checked={pending ?? checked}
          disabled={pending !== null}
          onChange={(e) => change(e.target.checked)}
        />
        {label}
      </label>
      <FieldError message={error} />
    </div>
  );
}
