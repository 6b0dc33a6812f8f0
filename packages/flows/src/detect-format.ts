/**
 * Which reader a capture needs, from its first lines (the file name says nothing: captures are
 * renamed, compressed and piped). The first lines that tell are used, so a damaged first
 * line does not hide the format of the rest.
 */
import type { FlowFormat } from './flow-set.js';
import { asObject } from './flow-record.js';
import { GENERIC_FIELDS } from './generic-record.js';

const HUBBLE_FLOW_KEYS = ['IP', 'l4', 'verdict', 'Type', 'traffic_direction', 'is_reply'];
const HUBBLE_OTHER_RECORDS = ['node_status', 'lost_events', 'agent_event', 'debug_event'];
const GADGET_KEYS = ['pktType', 'remoteKind', 'podHostIP', 'podOwner'];

function formatOfObject(o: Record<string, unknown>): FlowFormat | undefined {
  if (asObject(o['flow']) || HUBBLE_OTHER_RECORDS.some((k) => k in o)) return 'hubble';
  if (GADGET_KEYS.some((k) => k in o) || (asObject(o['k8s']) && 'type' in o)) return 'gadget';
  if (HUBBLE_FLOW_KEYS.some((k) => k in o)) return 'hubble';
  const keys = new Set(Object.keys(o).map((k) => k.toLowerCase()));
  const has = (names: readonly string[]) => names.some((n) => keys.has(n));
  if (has(GENERIC_FIELDS.src) && has(GENERIC_FIELDS.dst)) return 'jsonl';
  return undefined;
}

function formatOfLine(line: string): FlowFormat | undefined {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const o = asObject(JSON.parse(t));
      return o ? formatOfObject(o) : undefined;
    } catch {
      return undefined;
    }
  }
  // A CSV header row: names, one of them src, one dst.
  const names = t.replace(/^\uFEFF/, '').split(',').map((n) => n.trim().replace(/^"|"$/g, '').toLowerCase());
  const has = (options: readonly string[]) => names.some((n) => options.includes(n));
  if (names.length >= 3 && has(GENERIC_FIELDS.src) && has(GENERIC_FIELDS.dst)) return 'csv';
  return undefined;
}

/**
 * The format of a capture from its first non-empty lines, or undefined when none of them
 * tells. A CSV is recognised by its header, so only its first line counts.
 */
export function detectFormat(firstLines: readonly string[]): FlowFormat | undefined {
  let first = true;
  for (const line of firstLines) {
    if (line.trim() === '') continue;
    const f = formatOfLine(line);
    if (f === 'csv' && !first) continue;
    if (f) return f;
    first = false;
  }
  return undefined;
}
