// Keyboard-only use: Tab moves the focus until it reaches the control named, and every control it
// lands on shows a visible focus ring.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

interface Focused {
  name: string;
  outline: string;
}

/** The focused element's accessible-ish name (label, aria-label or text) and its outline. */
function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: unknown } }).document;
    type El = {
      getAttribute(n: string): string | null;
      textContent: string | null;
      labels?: { textContent: string | null }[] | null;
      tagName: string;
    };
    const el = doc.activeElement as El | null;
    if (!el || el.tagName === 'BODY') return null;
    const style = (
      globalThis as unknown as {
        getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
      }
    ).getComputedStyle(el);
    const label = el.labels?.[0]?.textContent ?? '';
    const name = el.getAttribute('aria-label') ?? (label || el.textContent || '');
    return { name: name.trim(), outline: `${style.outlineStyle} ${style.outlineWidth}` };
  });
}

/**
 * Presses Tab (Shift+Tab with `back`) until the focus is on a control whose name matches; each stop
 * must show its focus.
 */
export async function tabTo(page: Page, name: RegExp, { back = false, maxTabs = 60 } = {}): Promise<void> {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (!now) continue;
    assert.doesNotMatch(now.outline, /^none|\b0px$/, `visible focus on "${now.name}"`);
    if (name.test(now.name)) return;
  }
  assert.fail(`Tab never reached ${name}`);
}
