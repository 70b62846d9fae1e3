// The recovery kit's text as the user pastes it: never spell-checked or completed (it holds secret keys).
import { type FormEvent, useId } from 'react';

interface KitTextAreaProps {
  id: string;
  rows: number;
  value: string;
  onChange: (text: string) => void;
  required?: boolean;
}

export function KitTextArea({ id, rows, value, onChange, required }: KitTextAreaProps) {
  return (
    <textarea
      id={id}
      className="mono"
      rows={rows}
      value={value}
      spellCheck={false}
      autoComplete="off"
      required={required}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

interface KitPasteFormProps {
  rows: number;
  value: string;
  onChange: (text: string) => void;
  onSubmit: () => void;
  busy: boolean;
  /** The button's text. */
  submit: string;
}

/** "Or paste the kit's text", and a button that submits it (once there is text). */
export function KitPasteForm({ rows, value, onChange, onSubmit, busy, submit }: KitPasteFormProps) {
  const id = useId();
  const send = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form className="field" onSubmit={send}>
      <label className="field-label" htmlFor={id}>
        Or paste the kit's text
      </label>
      <KitTextArea id={id} rows={rows} value={value} onChange={onChange} />
      <div>
        <button type="submit" disabled={busy || !value.trim()}>
          {submit}
        </button>
      </div>
    </form>
  );
}
