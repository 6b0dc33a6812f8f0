/**
 * Which Chromium the browser tests drive. Debian's `/usr/bin/chromium` where it is installed;
 * otherwise the headless Chromium that the npm package @sparticuz/chromium ships inside its
 * tarball, so `pnpm install && pnpm test` needs nothing but Node (no apt-get, no browser
 * download at run time). There is no third answer: no browser is an error, never a skip.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sparticuz from '@sparticuz/chromium';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumBinary {
  readonly executablePath: string;
  /** Where it came from, for messages: `Debian chromium` or `@sparticuz/chromium 143.0.4`. */
  readonly source: string;
  /** Environment the binary needs on top of ours (the npm build brings its own fonts). */
  readonly env: Readonly<Record<string, string>>;
}

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@sparticuz/chromium');
  // build/cjs/index.cjs -> the package folder
  return (JSON.parse(readFileSync(join(dirname(main), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Unpacks the npm-shipped Chromium (binary, fonts, SwiftShader) once per package version into
 * `<tmp>/lateral-chromium-<version>/`. The package itself unpacks into `os.tmpdir()` in place,
 * which two test processes (or two checkouts) starting together would race on, and which an
 * interrupted run would leave truncated for ever after. So it unpacks into a fresh private
 * folder (its one entry point takes no destination: it reads `os.tmpdir()`, i.e. TMPDIR,
 * synchronously before its first await) and the folder is renamed into place whole.
 */
export async function npmChromium(): Promise<ChromiumBinary> {
  const version = packageVersion();
  const home = join(tmpdir(), `lateral-chromium-${version}`);
  const binary = (dir: string): ChromiumBinary => ({
    executablePath: join(dir, 'chromium'),
    source: `@sparticuz/chromium ${version}`,
    env: { FONTCONFIG_PATH: join(dir, 'fontconfig') },
  });
  if (existsSync(join(home, 'chromium'))) return binary(home);

  const staging = mkdtempSync(`${home}.partial-`);
  const previous = process.env.TMPDIR;
  let unpacked: Promise<string>;
  process.env.TMPDIR = staging;
  try {
    unpacked = sparticuz.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  try {
    const path = await unpacked;
    if (path !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${path}, expected ${staging}/chromium`);
    writeFontConfig(staging, home);
    renameSync(staging, home);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // Another process renamed its copy into place first: use that one.
    if (existsSync(join(home, 'chromium'))) return binary(home);
    throw e;
  }
  return binary(home);
}

/**
 * The package's own fonts.conf names /tmp/fonts (where Lambda unpacks it); ours names the
 * folder the fonts end up in. Without a usable font Chromium lays text out but paints none,
 * and a machine with only Node has no system fonts. Debian's fonts are added where present.
 */
function writeFontConfig(staging: string, home: string): void {
  mkdirSync(join(staging, 'fontconfig'));
  writeFileSync(
    join(staging, 'fontconfig', 'fonts.conf'),
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(home, 'fonts')}</dir>
  <dir>/usr/share/fonts</dir>
  <cachedir>${join(home, 'fontconfig', 'cache')}</cachedir>
</fontconfig>
`,
  );
}

/** Debian's Chromium when installed, else the npm-shipped one (unpacked on first use, ~2 s). */
export async function findChromium(): Promise<ChromiumBinary> {
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, source: 'Debian chromium', env: {} };
  return npmChromium();
}
