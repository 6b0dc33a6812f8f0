/**
 * The browser the browser tests drive is always there: Debian's Chromium where installed,
 * otherwise the one shipped in the @sparticuz/chromium npm package — a machine with only Node
 * runs every browser test, none is skipped. The npm build is checked on every machine (even
 * where Debian's is preferred), and the launch flags keep the app's CSP enforced.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@lateral/web';
import { DEBIAN_CHROMIUM, findChromium, npmChromium } from './chromium-binary.js';
import { launchChromium, serveShop } from './browser.js';

let server: RunningServer;
beforeAll(async () => {
  server = await serveShop();
}, 120_000);
afterAll(async () => server?.close());

/**
 * Pixels that canvas text painted: zero when Chromium finds no usable font. In-page code is a
 * string: the tests type-check without the DOM library.
 */
const PAINTED_TEXT_PIXELS = `(() => {
  const canvas = document.createElement('canvas');
  canvas.width = 200;
  canvas.height = 40;
  const ctx = canvas.getContext('2d');
  ctx.font = '24px sans-serif';
  ctx.fillText('Lateral', 4, 30);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
})()`;

async function openApp(browser: Browser): Promise<{ page: Page; violations: () => Promise<string[]> }> {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 30_000 });
  await page.evaluate(`(() => {
    globalThis.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => globalThis.__violations.push(e.violatedDirective));
  })()`);
  return { page, violations: () => page.evaluate<string[]>('globalThis.__violations') };
}

describe('the browser for the browser tests', () => {
  it("is Debian's Chromium where installed, else the npm-shipped one", async () => {
    const b = await findChromium();
    expect(existsSync(b.executablePath)).toBe(true);
    expect(b.source).toMatch(existsSync(DEBIAN_CHROMIUM) ? /^Debian chromium$/ : /^@sparticuz\/chromium \d+\.\d+\.\d+$/);
  });

  it('npm-shipped Chromium draws the web app and paints text with its own fonts', async () => {
    const browser = await launchChromium(await npmChromium());
    try {
      expect(browser.version()).toMatch(/^\d+\./);
      const { page } = await openApp(browser);
      expect(await page.locator('#view-map').isVisible()).toBe(true);
      expect(await page.evaluate<number>(PAINTED_TEXT_PIXELS)).toBeGreaterThan(50);
    } finally {
      await browser.close();
    }
  });

  it("enforces the app's Content-Security-Policy (an injected inline script does not run)", async () => {
    const browser = await launchChromium();
    try {
      const { page, violations } = await openApp(browser);
      await page.addScriptTag({ content: 'globalThis.__inlineRan = true;' }).catch(() => undefined);
      expect(await page.evaluate(() => (globalThis as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
      expect(await violations()).toContain('script-src-elem');
    } finally {
      await browser.close();
    }
  });
});
