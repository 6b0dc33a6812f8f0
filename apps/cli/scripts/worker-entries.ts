/**
 * Worker-thread entry points the CLI bundle ships, as repository paths. Code starts a worker
 * by URL from beside itself (`new URL('./flow-worker.js', import.meta.url)`, `.ts` when run
 * from source), so each is built as `<file name>.js` into the bundle's flat directory, next to
 * the chunk that starts it. A package that starts a new worker that way adds its file here.
 */
export const WORKER_ENTRIES: readonly string[] = ['packages/flows/src/flow-worker.ts', 'packages/k8s/src/manifest-worker.ts', 'apps/web/src/heavy-worker.ts'];

/** The bundle's file for a worker entry, without `.js`: `flow-worker`. */
export function workerName(entry: string): string {
  return entry.slice(entry.lastIndexOf('/') + 1).replace(/\.ts$/, '');
}
