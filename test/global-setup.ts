/**
 * Before any test file runs: builds the web UI once, so parallel browser test files never race
 * to build it, and finds the browser (unpacking the npm-shipped Chromium on a machine without
 * Debian's), so that time is not charged to one test's timeout either.
 */
import { ensureUiBuilt } from '@lateral/web';
import { findChromium } from './browser/chromium-binary.js';

export default async function setup(): Promise<void> {
  await Promise.all([ensureUiBuilt(), findChromium()]);
}
