import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { parse, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { reachCommand } from './reach.js';
import { explainCommand } from './explain.js';
import { blastCommand } from './blast.js';
import { serveUntilStopped, startServing, SERVE_OPTIONS } from './serve.js';

export const DEMO_HELP = `lateral demo [--text] [--port N] [--host H] [--allow-host N]...

Opens the web app on the bundled demo cluster (fixtures/shop) with its flow capture, and
prints the URL: the map, blast radius, matrix, what-if and generation, on 127.0.0.1.
  --text   instead, print every allowed connection, then why one connection a reviewer would
           ask about is denied, then the blast radius from the internet (no server)
  --port N port to listen on (default: any free port)
  --host H address to bind (default 127.0.0.1)
  --allow-host N  also answer requests for host name N (repeatable)`;

export const DEMO_OPTIONS: OptionSpec = { help: { type: 'boolean', short: 'h' }, text: { type: 'boolean' }, port: SERVE_OPTIONS.port, host: SERVE_OPTIONS.host, 'allow-host': SERVE_OPTIONS['allow-host'] };

const here = dirname(fileURLToPath(import.meta.url));
/**
 * The repository's fixtures/shop, from source (apps/cli/src/commands) or from the CLI built in
 * a clone (apps/cli/dist). An installed tarball has no repository around it: the build copies
 * the fixture into the bundle (dist/fixtures/shop).
 */
export const SHOP_FIXTURE = import.meta.url.endsWith('.ts')
  ? join(here, '..', '..', '..', '..', 'fixtures', 'shop')
  : [join(here, '..', '..', '..', 'fixtures', 'shop'), join(here, 'fixtures', 'shop')].find((dir) => existsSync(join(dir, 'policies'))) ?? join(here, 'fixtures', 'shop');
const SHOP_FLOWS = join(SHOP_FIXTURE, 'flows', 'hubble.jsonl');
/** The shop's database: what an attacker is after, for the blast-radius view. */
const SHOP_CROWN_JEWEL = 'shop/postgres';

/** The denied connection the demo explains: the storefront may not talk to the database. */
const DEMO_QUESTION = ['--from', 'shop/frontend', '--to', 'shop/postgres', '--port', '5432'];

/** The blast radius the text demo ends with: an attacker coming from the internet, after the database. */
const DEMO_BLAST = ['--from', 'internet', '--target', SHOP_CROWN_JEWEL];

async function textDemo(io: CliIo): Promise<number> {
  const shown = relative(io.cwd, SHOP_FIXTURE) || '.';
  out(io, `$ lateral reach ${shown}\n`);
  const code = await reachCommand([SHOP_FIXTURE], io);
  if (code !== 0) return code;
  out(io, `\n$ lateral explain ${shown} ${DEMO_QUESTION.join(' ')}\n`);
  const explained = await explainCommand([SHOP_FIXTURE, ...DEMO_QUESTION], io);
  if (explained !== 0) return explained;
  out(io, `\n$ lateral blast ${shown} ${DEMO_BLAST.join(' ')}\n`);
  return blastCommand([SHOP_FIXTURE, ...DEMO_BLAST], io);
}

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, DEMO_OPTIONS);
  if (p.values.help) return out(io, DEMO_HELP), 0;
  if (p.positionals.length > 0) throw new UsageError(`demo takes no INPUTS: it runs on the bundled shop cluster (got ${p.positionals.join(' ')}); for your own manifests, lateral serve INPUTS...`);
  if (p.values.text) return textDemo(io);
  // The web app is served from the fixture itself; the paths are ours, not the user's.
  // Named relative to where the user stands (as they would type them), so the app's header
  // reads "fixtures/shop", not a machine-specific absolute path.
  const typed = (path: string) => {
    const rel = relative(io.cwd, path);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  };
  const flows = existsSync(SHOP_FLOWS) ? [typed(SHOP_FLOWS)] : [];
  const withFixture = { ...p, values: { ...p.values, flows, target: [SHOP_CROWN_JEWEL] } };
  const server = await startServing(io, withFixture, [typed(SHOP_FIXTURE)]);
  return serveUntilStopped(io, server);
}
