import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { parse } from '../args.js';
import { out, type CliIo } from '../io.js';
import { reachCommand } from './reach.js';
import { explainCommand } from './explain.js';

export const DEMO_HELP = `lateral demo

Runs Lateral on the bundled demo cluster (fixtures/shop): every allowed connection, then why
one connection a reviewer would ask about is denied.`;

const here = dirname(fileURLToPath(import.meta.url));
export const SHOP_FIXTURE = join(here, '..', '..', '..', '..', 'fixtures', 'shop');

/** The denied connection the demo explains: the storefront may not talk to the database. */
const DEMO_QUESTION = ['--from', 'shop/frontend', '--to', 'shop/postgres', '--port', '5432'];

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, { help: { type: 'boolean', short: 'h' } });
  if (p.values.help) return out(io, DEMO_HELP), 0;
  const shown = relative(io.cwd, SHOP_FIXTURE) || '.';
  out(io, `$ lateral reach ${shown}\n`);
  const code = await reachCommand([SHOP_FIXTURE], io);
  if (code !== 0) return code;
  out(io, `\n$ lateral explain ${shown} ${DEMO_QUESTION.join(' ')}\n`);
  return explainCommand([SHOP_FIXTURE, ...DEMO_QUESTION], io);
}
