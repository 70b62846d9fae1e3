// Shows the runtime versions the preload exposes (proves the bridge works end to end).
const v = window.puddleproof?.versions;
if (v)
  document.getElementById('versions').textContent =
    `Electron ${v.electron} · Chromium ${v.chrome} · Node ${v.node}`;
