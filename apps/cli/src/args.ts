import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { IpBlockPods, Protocol } from '@lateral/core';
import { UsageError } from './cli-error.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** node:util parseArgs with its errors turned into usage errors that name the option. */
export function parse(argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new UsageError(msg.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function oneOf<T extends string>(p: Parsed, name: string, allowed: readonly T[], dflt: T): T {
  const v = str(p, name);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${v}")`);
  }
  return v as T;
}

export function intOption(p: Parsed, name: string, opts: { min: number; max: number }): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < opts.min || Number(v) > opts.max) {
    throw new UsageError(`--${name} must be a whole number from ${opts.min} to ${opts.max} (got "${v}")`);
  }
  return Number(v);
}

export function protocolOption(p: Parsed, name = 'protocol'): Protocol {
  const v = str(p, name)?.toUpperCase() ?? 'TCP';
  if (v !== 'TCP' && v !== 'UDP' && v !== 'SCTP') throw new UsageError(`--${name} must be TCP, UDP or SCTP (got "${str(p, name)}")`);
  return v;
}

export const COMMON_INPUT_OPTIONS: OptionSpec = {
  'ipblock-pods': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function ipBlockPodsOption(p: Parsed): IpBlockPods {
  return oneOf(p, 'ipblock-pods', ['match', 'ignore'] as const, 'match');
}

export function requireInputs(p: Parsed, command: string): string[] {
  if (p.positionals.length === 0) {
    throw new UsageError(`${command} needs at least one input: a manifest file, a directory, or - for stdin`);
  }
  return p.positionals;
}
