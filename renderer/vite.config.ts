// Builds the window into dist/renderer: relative asset paths (the app loads it from its own protocol),
// and the production Content-Security-Policy also as a <meta> tag, so the page is locked down even if a
// response header were missing.
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../src/shared/csp.js';

const here = new URL('.', import.meta.url).pathname;

/** `frame-ancestors` is ignored (with a console warning) in a <meta> policy; the header carries it. */
const metaPolicy = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');

function cspMetaTag(): Plugin {
  return {
    name: 'puddleproof-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), cspMetaTag()],
  build: {
    outDir: `${here}../dist/renderer`,
    emptyOutDir: true,
    // No inline data: URLs for scripts or fonts: everything is a file under 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
