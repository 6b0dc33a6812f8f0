/** Fixture manifests as the test API server's contents, read by the same parser as the CLI's files. */
import { readInputs } from '@lateral/k8s';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function fixtureObjects(dir: string): Promise<unknown[]> {
  return (await readInputs([`${REPO}fixtures/${dir}`])).map((o) => o.obj);
}
