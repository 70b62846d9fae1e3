// Checks one screen in both themes: axe-core finds no serious or critical accessibility problem, and a
// screenshot of it (800×600) goes to <SCREENSHOTS>/<name>-light.png and -dark.png.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * Where screenshots go: test-output/screenshots/ (not in git) on every run; `npm run screenshots` sets
 * PUDDLEPROOF_SCREENSHOTS=docs/screenshots to refresh the README's pictures.
 */
export const SCREENSHOTS = join(
  new URL('../../', import.meta.url).pathname,
  process.env.PUDDLEPROOF_SCREENSHOTS || 'test-output/screenshots',
);
const AXE = new URL('../../node_modules/axe-core/axe.min.js', import.meta.url).pathname;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

let axeSource: Promise<string> | undefined;

/** The serious and critical axe violations of the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(AXE, 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (as an extension would).
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations as AxeViolation[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
}

/** axe in light and dark, and a screenshot of each; the page is left in the light theme. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await seriousViolations(page), [], `${name} (${colorScheme}): accessibility`);
    await page.screenshot({
      path: join(SCREENSHOTS, `${name}-${colorScheme}.png`),
      animations: 'disabled',
      caret: 'hide',
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
