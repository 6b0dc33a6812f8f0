/**
 * Shared by the browser and API tests: the shop served by the real server on an ephemeral
 * loopback port, and Debian's Chromium driven by playwright-core (no downloaded browser).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { ensureUiBuilt, loadSession, startServer, type RunningServer } from '@lateral/web';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SHOP = `${REPO}fixtures/shop`;
export const SHOP_FLOWS = `${REPO}fixtures/shop/flows/hubble.jsonl`;
export const SCREENSHOTS = `${REPO}test/screenshots`;
export const CHROMIUM = '/usr/bin/chromium';

export async function serveShop(): Promise<RunningServer> {
  await ensureUiBuilt();
  const session = await loadSession(['fixtures/shop'], { label: 'fixtures/shop', flowFiles: existsSync(SHOP_FLOWS) ? ['fixtures/shop/flows/hubble.jsonl'] : [], targets: ['shop/postgres'] });
  return startServer(session, { log: () => {} });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI does this in .ci/run)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
