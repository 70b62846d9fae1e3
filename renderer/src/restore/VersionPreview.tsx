// The last messages of the chosen version (sender, time, text), decrypted on this device, so that the
// right version is restored; or why they cannot be shown.
import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { BackupVersion } from '../../../src/shared/api.js';
import { api } from '../api.js';
import { formatMessageTime } from '../format.js';
import { useLoad } from '../hooks/useLoad.js';

/** Mount it with `key={version.id}`: it reads the preview of that version once. */
export function VersionPreview({ version }: { version: BackupVersion }) {
  const heading = useId();
  const [preview] = useLoad(() => api.history.preview(version.id));
  const list = useRef<HTMLOListElement>(null);
  // Oldest first, as in the chat: scrolled to the newest at the bottom once read.
  useEffect(() => {
    if (preview.state === 'ready' && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [preview.state]);
  let body: ReactNode;
  if (preview.state === 'loading') {
    body = <p className="muted">Reading the last messages…</p>;
  } else if (preview.state === 'failed' || !preview.value.ok) {
    const message =
      preview.state === 'failed' ? preview.message : !preview.value.ok ? preview.value.message : '';
    body = <p className="muted preview-problem">The last messages cannot be shown: {message}</p>;
  } else if (preview.value.messages.length === 0) {
    body = (
      <p className="muted">
        {version.chat?.platform === 'other'
          ? 'This backup holds files, not a chat Puddleproof recognised: there are no messages to show.'
          : 'This version holds no messages.'}
      </p>
    );
  } else {
    body = (
      // Scrolls on its own; focusable so that it can be scrolled with the keyboard.
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard.
      <ol ref={list} className="preview-list" tabIndex={0} aria-labelledby={heading}>
        {preview.value.messages.map((message, index) => (
          // The same sender may write the same text at the same minute: the position tells them apart.
          // biome-ignore lint/suspicious/noArrayIndexKey: the list is fixed once read.
          <li key={index} className="preview-message">
            <div className="preview-meta">
              <span className="preview-sender">{message.sender}</span>
              <time dateTime={message.time}>{formatMessageTime(message.time)}</time>
            </div>
            <p className="preview-text">{message.text}</p>
          </li>
        ))}
      </ol>
    );
  }
  return (
    <section className="version-preview" aria-labelledby={heading}>
      <h3 id={heading} className="preview-title">
        Last messages in this version
      </h3>
      {body}
    </section>
  );
}
