/**
 * Shared by the browser and API tests: the shop served by the real server on an ephemeral
 * loopback port, and Chromium driven by playwright-core — Debian's where installed, else the
 * one shipped in the @sparticuz/chromium npm package (chromium-binary.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { ensureUiBuilt, loadSession, startServer, type RunningServer } from '@lateral/web';
import { findChromium, type ChromiumBinary } from './chromium-binary.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SHOP = `${REPO}fixtures/shop`;
export const SHOP_FLOWS = `${REPO}fixtures/shop/flows/hubble.jsonl`;
export const SCREENSHOTS = `${REPO}test/screenshots`;

/**
 * Headless without a GPU or a sandbox (tests run as root in CI), and nothing that talks to the
 * network on its own. Web security and CSP stay on: the tests check the app under its real CSP.
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function serveShop(): Promise<RunningServer> {
  await ensureUiBuilt();
  const session = await loadSession(['fixtures/shop'], { label: 'fixtures/shop', flowFiles: existsSync(SHOP_FLOWS) ? ['fixtures/shop/flows/hubble.jsonl'] : [], targets: ['shop/postgres'] });
  return startServer(session, { log: () => {} });
}

export async function launchChromium(binary?: ChromiumBinary): Promise<Browser> {
  const b = binary ?? (await findChromium());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: b.executablePath, env: { ...process.env, ...b.env }, args: CHROMIUM_ARGS });
}

/** A what-if the browser tests type in: frontend may reach postgres on 5432, both directions written. */
export const FRONTEND_TO_POSTGRES = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: frontend-to-postgres
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: postgres
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: frontend
      ports:
        - port: 5432
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: frontend-egress-postgres
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: frontend
  policyTypes: [Egress]
  egress:
    - to:
        - podSelector:
            matchLabels:
              app: postgres
      ports:
        - port: 5432
`;
