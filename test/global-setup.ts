/**
 * Builds the web UI once before any test file runs, so parallel browser test files never race
 * to build it (and the build's time is not charged to one test's timeout).
 */
import { ensureUiBuilt } from '@lateral/web';

export default async function setup(): Promise<void> {
  await ensureUiBuilt();
}
