// The recovery kit for backups made elsewhere: load it from a file or paste it; it stays in memory only.
import { useEffect, useState } from 'react';
import type { KitStatus } from '../../../src/shared/api.js';
import { api, messageOf } from '../api.js';
import { Icon } from '../components/Icon.js';
import { KitPasteForm } from '../components/KitText.js';
import { Problem } from '../components/Problem.js';

export function KitLoader({ onStatus }: { onStatus: (status: KitStatus) => void }) {
  const [status, setStatus] = useState<KitStatus | null>(null);
  const [pasted, setPasted] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const apply = async (action: () => Promise<KitStatus>) => {
    setBusy(true);
    setError(null);
    try {
      const next = await action();
      setStatus(next);
      onStatus(next);
      if (next.loaded) setPasted('');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: read the kit status once, on mount.
  useEffect(() => {
    void apply(api.kit.status);
  }, []);

  return (
    <div className="kit-loader" aria-busy={busy}>
      {status && (
        <p className={status.loaded ? 'note note-ok' : 'note'} aria-live="polite">
          <Icon name={status.loaded ? 'check' : 'key'} /> {status.description}
        </p>
      )}
      {status?.loaded ? (
        <button type="button" onClick={() => apply(api.kit.forget)} disabled={busy}>
          Forget the kit
        </button>
      ) : (
        <>
          <div className="actions">
            <button type="button" onClick={() => apply(api.kit.load)} disabled={busy}>
              Open the kit file…
            </button>
          </div>
          <KitPasteForm
            rows={4}
            value={pasted}
            onChange={(text) => {
              setPasted(text);
              setError(null);
            }}
            onSubmit={() => void apply(() => api.kit.paste(pasted))}
            busy={busy}
            submit="Use the pasted kit"
          />
        </>
      )}
      {error && (
        <Problem
          title="That kit cannot be used"
          message={error}
          next="Choose the recovery kit of this vault: the file you saved or printed when you set up Puddleproof."
        />
      )}
    </div>
  );
}
