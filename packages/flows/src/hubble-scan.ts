/**
 * Reads the few fields of a Hubble line that the flow reader uses straight from its bytes, instead
 * of `JSON.parse` of the whole record. A capture names the same few thousand pods a million times:
 * every line carries both flow ends as whole endpoint objects (`"source":{"ID":…,"labels":[…],
 * "pod_name":…}`), byte for byte the same each time a pod is seen, and they are most of the line.
 * So an endpoint object is looked up by its bytes (a hash of its first bytes, then a byte compare)
 * and parsed once per input; the flow's other fields are read as values only where hubble.ts reads
 * them (`IP`, `l4`, `time`, `verdict`, …); everything else is checked and skipped, never decoded.
 *
 * Why the answer is exactly what `JSON.parse` of the whole line gives (or the line is read the
 * ordinary way):
 *
 * - The scanner checks the whole line against the JSON grammar (RFC 8259) as it goes, and gives
 *   up (the caller then runs `JSON.parse` on the line, which gives the same result or the same
 *   error as before) on anything it does not read with certainty: a byte outside ASCII, a key
 *   with an escape in an object it reads, an endpoint that is not an object, nesting deeper than
 *   MAX_DEPTH, a line that is not one JSON object.
 * - A value it reads is built as `JSON.parse` builds it: a string without escapes is its bytes
 *   (ASCII, so each byte is its character); a string with escapes, an array or an object read
 *   whole is `JSON.parse` of its own text (a JSON value's text means the same alone as inside a
 *   line: parsing is left to right and a value's end is decided by its own characters); a number
 *   is `Number` of its text (the same conversion `JSON.parse` uses). Keys are assigned in order,
 *   so a repeated key keeps its last value, as `JSON.parse` does.
 * - An endpoint text is kept only when it is a whole JSON object. When the bytes at an endpoint's
 *   place start with a kept text, the value there is that object and ends where the text ends.
 * - The objects built hold only the keys hubble.ts reads (and, at the top, the keys whose mere
 *   presence it tests), so what it reads from them is what it would read from the full parse.
 */
import { Buffer } from 'node:buffer';

/** A distinct endpoint (or Service) object text and what it parsed to; `peer` is the flow end it was read as (hubble.ts). */
export interface EndpointText<P> {
  readonly value: Record<string, unknown>;
  peer?: P;
  /** For an end that names no pod (an outside address, the host): its flow end per address, when the line names no Service (hubble.ts). */
  byIp?: Map<string, P>;
}

export interface CutLine<P> {
  /** The line's object, with only the fields the reader uses; `source` / `destination` of its flow are the marks. */
  readonly obj: Record<string, unknown>;
  /** The flow object of `obj` the marks are in (`obj.flow`, or `obj` itself for a bare flow). */
  readonly flow: Record<string, unknown>;
  readonly source: EndpointText<P>;
  readonly destination: EndpointText<P>;
}

export const SOURCE_MARK = '\u0001';
export const DESTINATION_MARK = '\u0002';

/** Endpoint texts kept per input: a capture's pods (replicas included), with room to spare. */
const MAX_TEXTS = 1 << 15;
/** Bytes of endpoint texts kept in all (HubbleScanner.arena). */
const MAX_ARENA = 64 * 2 ** 20;
/** Bytes of an endpoint text's start that pick its first candidates. */
const PREFIX = 32;
/** Candidates compared per prefix before the text is scanned to its end and found by its whole hash. */
const PREFIX_CANDIDATES = 4;
/** Slots of the table of texts last found per prefix (a power of two). */
const RECENT_SLOTS = 1 << 14;
/** Values not read that are kept to be recognised (skipKnown) when at least this long. */
const LONG = 256;
/** Strings this long or shorter are made once (HubbleScanner.short): IPv4 addresses fit. */
const SHORT = 16;
/** Slots of the short-string cache (a power of two). */
const SHORT_SLOTS = 1 << 14;
/** Deeper nesting is left to JSON.parse (whose limit is the engine's, not ours). */
const MAX_DEPTH = 64;

const enum Read {
  /** The value as JSON.parse gives it. */
  Value,
  /** An object: built with the fields of `fields`; any other value as JSON.parse gives it. */
  Object,
  /** A flow end: an object looked up in the memo, `source` / `destination` set to the mark. */
  Endpoint,
  /** An object looked up in the memo (a Service: small, repeated); any other value as JSON.parse gives it. */
  Memo,
  /** Only whether the key is there (the non-flow records of the observer stream). */
  Present,
  /**
   * A time: a ScannedTime when it is spelled as Hubble prints it (RFC 3339 in UTC,
   * `2025-03-14T10:00:00.064633127Z`); any other value as JSON.parse gives it.
   */
  Time,
  /**
   * An address (`IP.source`, `IP.destination`): a ScannedAddress when it is a dotted-quad IPv4
   * string (what canonicalIp gives back unchanged); any other value as JSON.parse gives it.
   */
  Address,
}

/**
 * A `time` string the scanner read as epoch milliseconds instead of making the string: what
 * flow-record.ts's parseTime gives for that string (Date.parse, truncated to the millisecond),
 * and only built when that is a time parseTime accepts.
 */
export class ScannedTime {
  constructor(public ms: number) {}
}

/**
 * An `IP.source` / `IP.destination` string the scanner checked is a dotted-quad IPv4 address (as
 * flow-record.ts's isIpv4 has it, so canonicalIp returns it as it is), read as a string only when
 * asked: a flow end that is a pod already known never needs it. Its bytes are the scanner's
 * buffer's, so it is read before the next line is scanned (as hubble.ts does).
 */
export class ScannedAddress {
  buf!: Buffer;
  start = 0;
  end = 0;
  text(): string {
    return this.buf.toString('latin1', this.start, this.end);
  }
}

/** Latest time parseTime accepts (flow-record.ts's MAX_TIME_MS): past it the string is made and parseTime says why. */
const MAX_TIME_MS = 8.64e15;
/** `YYYY-MM-DDTHH:MM:SS`: the part of a time whose Date.parse is remembered (HubbleScanner.seconds). */
const SECONDS = 19;
/** Fraction digits read: a nanosecond time has nine; Date.parse keeps the first three. */
const MAX_FRACTION = 9;

interface Field {
  readonly name: string;
  readonly key: Uint8Array;
  readonly read: Read;
  readonly fields?: FieldSet;
  /** For Read.Endpoint: 0 source, 1 destination. */
  readonly end?: 0 | 1;
}

/** The fields read of one object, found by a key's length first: most keys of a line are read by none. */
class FieldSet {
  readonly byLength: (readonly Field[] | undefined)[] = [];
  constructor(readonly list: readonly Field[]) {
    for (const f of list) ((this.byLength[f.key.length] ??= []) as Field[]).push(f);
  }
}

const field = (name: string, read: Read, extra: { fields?: readonly Field[]; end?: 0 | 1 } = {}): Field => ({
  name,
  key: new TextEncoder().encode(name),
  read,
  ...(extra.fields ? { fields: new FieldSet(extra.fields) } : {}),
  ...(extra.end !== undefined ? { end: extra.end } : {}),
});

const PORTS = [field('source_port', Read.Value), field('destination_port', Read.Value)];
/** What hubble.ts reads of a flow object (protojson names of cilium's flow.proto). */
const FLOW_LIST: readonly Field[] = [
  field('time', Read.Time),
  field('verdict', Read.Value),
  field('Type', Read.Value),
  field('is_reply', Read.Value),
  field('reply', Read.Value),
  field('IP', Read.Object, { fields: [field('source', Read.Address, { end: 0 }), field('destination', Read.Address, { end: 1 })] }),
  field('l4', Read.Object, { fields: [field('TCP', Read.Object, { fields: PORTS }), field('UDP', Read.Object, { fields: PORTS }), field('SCTP', Read.Object, { fields: PORTS })] }),
  field('source', Read.Endpoint, { end: 0 }),
  field('destination', Read.Endpoint, { end: 1 }),
  field('source_service', Read.Memo),
  field('destination_service', Read.Memo),
];
const FLOW_FIELD = field('flow', Read.Object, { fields: FLOW_LIST });
const FLOW_FIELDS = FLOW_FIELD.fields!;
/** A line: `{"flow":{…},"node_name":…,"time":…}`, or a bare flow (legacy), or a non-flow record. */
const LINE_FIELDS = new FieldSet([
  FLOW_FIELD,
  ...FLOW_LIST,
  ...['node_status', 'lost_events', 'agent_event', 'debug_event'].map((k) => field(k, Read.Present)),
]);

/** Marks `buf[p]` as a place the scanner does not read (then the line is parsed whole). */
const FAIL = -1;

export class HubbleScanner<P> {
  private buf!: Buffer;
  private end = 0;
  /** Flow ends of the object being read at depth 0 (the line, a bare flow) and 1 (its flow). */
  private source0: EndpointText<P> | undefined;
  private destination0: EndpointText<P> | undefined;
  private source1: EndpointText<P> | undefined;
  private destination1: EndpointText<P> | undefined;
  /** Set by string(): the string had a backslash. */
  private escaped = false;
  /** Set by scanLine(): where the line read ends (its '\n', or the limit); -1 when it was not read. */
  lineEnd = 0;

  /**
   * The line that starts at buf[start] and ends at the next '\n' (or at `limit`), read without
   * looking for its end first: the scanner checks every byte up to the line's end anyway, and
   * a JSON line holds no raw newline (not in a string, and ws() does not take one as
   * whitespace), so the line is read exactly as scan() reads it once cut. Undefined when the
   * scanner is not sure (then `lineEnd` is not set and the caller cuts the line and parses it
   * as before).
   */
  scanLine(buf: Buffer, start: number, limit: number): CutLine<P> | undefined {
    this.lineEnd = -1;
    return this.scan(buf, start, limit, true);
  }

  /** The line buf[start, end) read, or undefined: then the caller parses the whole line. */
  scan(buf: Buffer, start: number, end: number, toNewline = false): CutLine<P> | undefined {
    this.buf = buf;
    this.end = end;
    this.source0 = this.destination0 = this.source1 = this.destination1 = undefined;
    const obj: Record<string, unknown> = {};
    let p = this.ws(start);
    if (p >= end || buf[p] !== 0x7b) return undefined;
    p = this.object(p, LINE_FIELDS, obj, 0);
    if (p === FAIL) return undefined;
    p = this.ws(p);
    if (toNewline) {
      if (p !== end && buf[p] !== 0x0a) return undefined;
      this.lineEnd = p;
    } else if (p !== end) return undefined;
    const f = obj['flow'];
    const wrapped = typeof f === 'object' && f !== null && !Array.isArray(f);
    const flow = wrapped ? (f as Record<string, unknown>) : obj;
    const source = wrapped ? this.source1 : this.source0;
    const destination = wrapped ? this.destination1 : this.destination0;
    if (!source || !destination) return undefined;
    return { obj, flow, source, destination };
  }

  /** Past JSON whitespace but '\n', which ends a line (scanLine; a cut line has none). */
  private ws(p: number): number {
    const b = this.buf;
    while (p < this.end) {
      const c = b[p]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
      p++;
    }
    return p;
  }

  /**
   * The object at p (buf[p] is '{') into `into`, with the fields of `fields` read as they say and
   * the rest skipped; the position after it, or FAIL.
   */
  private object(p: number, fields: FieldSet, into: Record<string, unknown>, level: number): number {
    const b = this.buf;
    const end = this.end;
    p = this.ws(p + 1);
    if (p < end && b[p] === 0x7d) return p + 1;
    for (;;) {
      if (p >= end || b[p] !== 0x22) return FAIL;
      const k = p + 1;
      p = this.string(p);
      if (p === FAIL) return FAIL;
      // A key with an escape might spell a field's name another way.
      if (this.escaped) return FAIL;
      const f = match(b, k, p - 1, fields);
      // Whitespace is rare in a capture: looked for only where the next byte is not the expected one.
      if (b[p] !== 0x3a) {
        p = this.ws(p);
        if (p >= end || b[p] !== 0x3a) return FAIL;
      }
      p++;
      if (p < end && b[p]! <= 0x20) p = this.ws(p);
      if (p >= end) return FAIL;
      p = f !== undefined ? this.read(p, f, into, level) : b[p] === 0x7b || b[p] === 0x5b ? this.skipKnown(p, level + 1) : this.skip(p, level + 1);
      if (p === FAIL) return FAIL;
      let c = b[p];
      if (c !== 0x2c && c !== 0x7d) {
        p = this.ws(p);
        if (p >= end) return FAIL;
        c = b[p];
      }
      if (c === 0x7d) return p + 1;
      if (c !== 0x2c) return FAIL;
      p++;
      if (p < end && b[p]! <= 0x20) p = this.ws(p);
    }
  }

  private read(p: number, f: Field, into: Record<string, unknown>, level: number): number {
    const b = this.buf;
    const isObject = b[p] === 0x7b;
    switch (f.read) {
      case Read.Present: {
        const q = this.skip(p, level + 1);
        into[f.name] = true;
        return q;
      }
      case Read.Object: {
        if (!isObject) break;
        if (level + 1 >= MAX_DEPTH) return FAIL;
        const o: Record<string, unknown> = {};
        // A repeated "flow": the last object is the value, with its own flow ends.
        if (f.fields === FLOW_FIELDS) this.source1 = this.destination1 = undefined;
        const q = this.object(p, f.fields!, o, level + 1);
        into[f.name] = o;
        return q;
      }
      case Read.Endpoint: {
        if (!isObject || level > 1) return FAIL;
        const q = this.memo(p, level + 1);
        if (q === FAIL) return FAIL;
        if (level === 0) {
          if (f.end === 0) this.source0 = this.found;
          else this.destination0 = this.found;
        } else if (f.end === 0) this.source1 = this.found;
        else this.destination1 = this.found;
        into[f.name] = f.end === 0 ? SOURCE_MARK : DESTINATION_MARK;
        return q;
      }
      case Read.Memo: {
        if (!isObject) break;
        const q = this.memo(p, level + 1);
        if (q === FAIL) return FAIL;
        into[f.name] = this.found!.value;
        return q;
      }
      case Read.Time: {
        if (b[p] !== 0x22) break;
        const ms = this.time(p + 1);
        if (ms < 0) break;
        // One ScannedTime per level, reused line after line: a line's object is read (hubble.ts)
        // before the next line is scanned, and a time only sits in the line or its flow.
        const t = level === 0 ? this.time0 : this.time1;
        t.ms = ms;
        into[f.name] = t;
        return this.timeEnd;
      }
      case Read.Address: {
        if (b[p] !== 0x22) break;
        const q = this.string(p);
        if (q === FAIL) return FAIL;
        if (this.escaped || !isIpv4Bytes(b, p + 1, q - 1)) break;
        // One per level and end, reused line after line like the times: an IP object of the line
        // (level 1) and one of its flow (level 2) keep theirs apart.
        const a = this.addresses[(level & 3) * 2 + f.end!]!;
        a.buf = b;
        a.start = p + 1;
        a.end = q - 1;
        into[f.name] = a;
        return q;
      }
      case Read.Value:
        break;
    }
    return this.value(p, f.name, into, level);
  }

  /** The bytes of the last `YYYY-MM-DDTHH:MM:SS` read and its Date.parse (with 'Z'): lines of a capture share their second. */
  private readonly lastSeconds = Buffer.alloc(SECONDS);
  private lastSecondsMs = -1;
  private readonly addresses = Array.from({ length: 8 }, () => new ScannedAddress());
  private readonly time0 = new ScannedTime(0);
  private readonly time1 = new ScannedTime(0);
  /** Set by time(): the position after the closing quote. */
  private timeEnd = 0;

  /**
   * The string at p (after its opening quote) as epoch milliseconds when it is
   * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (digits where the pattern has them, 1 to 9 fraction
   * digits) and parseTime would accept it; -1 for anything else (then the string is read as a
   * string). Date.parse of such a string is Date.parse of its seconds part plus the fraction's
   * first three digits: hubble-scan.test.ts holds this against Date.parse.
   */
  private time(p: number): number {
    const b = this.buf;
    const end = this.end;
    if (p + SECONDS + 2 > end) return -1;
    // The seconds of the line before (checked then) are the seconds of most lines.
    let seconds = this.lastSecondsMs;
    if (seconds >= 0) {
      const last = this.lastSeconds;
      for (let i = SECONDS - 1; i >= 0; i--) {
        if (last[i] !== b[p + i]) {
          seconds = -1;
          break;
        }
      }
    }
    if (seconds < 0) {
      for (let i = 0; i < SECONDS; i++) {
        const c = b[p + i]!;
        if (i === 4 || i === 7 ? c !== 0x2d : i === 10 ? c !== 0x54 : i === 13 || i === 16 ? c !== 0x3a : c < 0x30 || c > 0x39) return -1;
      }
      // Hour 24 (`T24:00:00Z`, the end of a day) is a time to Date.parse only without a fraction.
      if (b[p + 11]! > 0x32 || (b[p + 11] === 0x32 && b[p + 12]! > 0x33)) return -1;
    }
    let q = p + SECONDS;
    let fraction = 0;
    if (b[q] === 0x2e) {
      q++;
      const from = q;
      while (q < end && q - from < MAX_FRACTION + 1 && b[q]! >= 0x30 && b[q]! <= 0x39) {
        if (q - from < 3) fraction = fraction * 10 + (b[q]! - 0x30);
        q++;
      }
      const digits = q - from;
      if (digits === 0 || digits > MAX_FRACTION) return -1;
      if (digits === 1) fraction *= 100;
      else if (digits === 2) fraction *= 10;
    }
    if (q + 1 >= end || b[q] !== 0x5a || b[q + 1] !== 0x22) return -1;
    if (seconds < 0) {
      seconds = Date.parse(`${b.toString('latin1', p, p + SECONDS)}Z`);
      if (!(seconds >= 0)) return -1;
      b.copy(this.lastSeconds, 0, p, p + SECONDS);
      this.lastSecondsMs = seconds;
    }
    const ms = seconds + fraction;
    if (!(ms <= MAX_TIME_MS)) return -1;
    this.timeEnd = q + 2;
    return ms;
  }

  /** The value at p as JSON.parse gives it, into[name]. */
  private value(p: number, name: string, into: Record<string, unknown>, level: number): number {
    const b = this.buf;
    const c = b[p]!;
    if (c === 0x22) {
      const q = this.string(p);
      if (q === FAIL) return FAIL;
      if (!this.escaped) into[name] = q - p - 2 <= SHORT ? this.short(p + 1, q - 1) : b.toString('latin1', p + 1, q - 1);
      else if (!parseInto(b, p, q, name, into)) return FAIL;
      return q;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const q = this.number(p);
      if (q === FAIL) return FAIL;
      into[name] = this.numberValue(p, q);
      return q;
    }
    const q = this.skip(p, level + 1);
    if (q === FAIL) return FAIL;
    if (c === 0x74) into[name] = true;
    else if (c === 0x66) into[name] = false;
    else if (c === 0x6e) into[name] = null;
    else if (!parseInto(b, p, q, name, into)) return FAIL;
    return q;
  }

  private numberValue(p: number, q: number): number {
    const b = this.buf;
    // Up to 15 digits, no sign, fraction or exponent: exact as an integer sum.
    if (q - p <= 15) {
      let n = 0;
      let i = p;
      for (; i < q; i++) {
        const c = b[i]!;
        if (c < 0x30 || c > 0x39) break;
        n = n * 10 + (c - 0x30);
      }
      if (i === q) return n;
    }
    return Number(b.toString('latin1', p, q));
  }

  /**
   * A short string value (an address, a verdict, a protocol name) from the strings already made:
   * a capture repeats a few thousand of them, and a string made per line is garbage at once.
   */
  private short(p: number, q: number): string {
    const b = this.buf;
    const n = q - p;
    let h = n;
    for (let i = p; i < q; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    // A direct-mapped cache: one slot per hash, the newest string wins it (no Map to probe).
    const slot = (h ^ (h >>> 15)) & (SHORT_SLOTS - 1);
    const known = this.shorts[slot];
    if (known !== undefined && known.length === n) {
      let i = 0;
      while (i < n && known.charCodeAt(i) === b[p + i]) i++;
      if (i === n) return known;
    }
    const s = b.toString('latin1', p, q);
    this.shorts[slot] = s;
    return s;
  }

  private readonly shorts: (string | undefined)[] = new Array<string | undefined>(SHORT_SLOTS).fill(undefined);

  /** Set by memo(): the object text found or read. */
  private found: EndpointText<P> | undefined;

  /**
   * The object at p from the memo, or read and kept; the position after it, or FAIL.
   *
   * The kept texts sit end to end in one buffer (`arena`), found through typed arrays: a lookup
   * is an index in `recent`, a start and a length, and one native compare against the arena. A
   * capture's few thousand texts are megabytes, so each pointer followed on the way to the
   * bytes (an entry object, its Buffer, its backing store) was a cache miss of its own.
   */
  private memo(p: number, depth: number): number {
    const b = this.buf;
    const prefixEnd = p + PREFIX < this.end ? p + PREFIX : this.end;
    const h1 = hash(b, p, prefixEnd);
    // The text last found for this prefix, from a direct-mapped table: no Map probe on a hit.
    const slot = h1 & (RECENT_SLOTS - 1);
    const recent = this.recent[slot]! - 1;
    // Texts whose prefix hashes only share a slot are told apart without a compare.
    if (recent >= 0 && this.textPrefix[recent] === h1 && this.sameText(recent, p)) {
      this.found = this.entries[recent];
      return p + this.textLength[recent]!;
    }
    const candidates = this.byPrefix.get(h1);
    if (candidates) {
      for (let j = 0; j < candidates.length; j++) {
        const c = candidates[j]!;
        if (this.sameText(c, p)) {
          this.recent[slot] = c + 1;
          this.found = this.entries[c];
          return p + this.textLength[c]!;
        }
      }
    }
    const q = this.skip(p, depth);
    if (q === FAIL) return FAIL;
    const h2 = (hash(b, p, q) ^ (q - p)) >>> 2;
    const same = this.byHash.get(h2);
    if (same) {
      for (let j = 0; j < same.length; j++) {
        const c = same[j]!;
        if (this.textLength[c] === q - p && this.sameText(c, p)) {
          this.recent[slot] = c + 1;
          this.found = this.entries[c];
          return q;
        }
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(b.toString('latin1', p, q));
    } catch {
      return FAIL;
    }
    const entry: EndpointText<P> = { value: value as Record<string, unknown> };
    this.found = entry;
    if (this.entries.length < MAX_TEXTS && this.arenaUsed + (q - p) <= MAX_ARENA) {
      const i = this.keep(b, p, q, h1);
      this.entries.push(entry);
      if (same) same.push(i);
      else this.byHash.set(h2, [i]);
      if (!candidates) this.byPrefix.set(h1, [i]);
      else if (candidates.length < PREFIX_CANDIDATES) candidates.push(i);
      this.recent[slot] = i + 1;
    }
    return q;
  }

  /** Whether buf[p…] starts with kept text i (and the line is long enough to hold it). */
  private sameText(i: number, p: number): boolean {
    const n = this.textLength[i]!;
    const s = this.textStart[i]!;
    return p + n <= this.end && this.arena.compare(this.buf, p, p + n, s, s + n) === 0;
  }

  /** Copies buf[p, q) (whose prefix hash is h1) to the arena as text number entries.length. */
  private keep(b: Buffer, p: number, q: number, h1: number): number {
    const i = this.entries.length;
    const n = q - p;
    if (this.arenaUsed + n > this.arena.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.arena.length * 2, this.arenaUsed + n));
      this.arena.copy(grown, 0, 0, this.arenaUsed);
      this.arena = grown;
    }
    if (i >= this.textStart.length) {
      const starts = new Int32Array(this.textStart.length * 2);
      starts.set(this.textStart);
      this.textStart = starts;
      const lengths = new Int32Array(this.textLength.length * 2);
      lengths.set(this.textLength);
      this.textLength = lengths;
      const prefixes = new Int32Array(this.textPrefix.length * 2);
      prefixes.set(this.textPrefix);
      this.textPrefix = prefixes;
    }
    b.copy(this.arena, this.arenaUsed, p, q);
    this.textStart[i] = this.arenaUsed;
    this.textLength[i] = n;
    this.textPrefix[i] = h1;
    this.arenaUsed += n;
    return i;
  }

  /** Kept endpoint texts: their bytes end to end, where each starts and how long it is, and what each reads as. */
  private arena = Buffer.allocUnsafeSlow(1 << 20);
  private arenaUsed = 0;
  private textStart = new Int32Array(1024);
  private textLength = new Int32Array(1024);
  private textPrefix = new Int32Array(1024);
  private readonly entries: EndpointText<P>[] = [];
  /** Per prefix hash and per whole-text hash: the kept texts with it (numbers into `entries`). */
  private readonly byPrefix = new Map<number, number[]>();
  private readonly byHash = new Map<number, number[]>();
  /** Per slot of a prefix hash: the text last found with it, plus one (0: none). */
  private readonly recent = new Int32Array(RECENT_SLOTS);

  /**
   * Past the object or array at p that the reader does not read, found among the long ones seen
   * before (Hubble 1.19's `node_labels`: a kilobyte, the same on every line of a node) by its
   * bytes, else checked and, when long, kept. Like an endpoint text, a kept text is a whole JSON
   * value, so a line whose bytes start with it there has that value there.
   */
  private skipKnown(p: number, depth: number): number {
    const b = this.buf;
    const prefixEnd = p + PREFIX < this.end ? p + PREFIX : this.end;
    const h = hash(b, p, prefixEnd);
    const candidates = this.skipped.get(h);
    if (candidates) {
      for (let j = 0; j < candidates.length; j++) {
        const c = candidates[j]!;
        const n = c.length;
        if (p + n <= this.end && c.compare(b, p, p + n) === 0) return p + n;
      }
    }
    const q = this.skip(p, depth);
    if (q !== FAIL && q - p >= LONG && this.skippedSize < MAX_TEXTS && (!candidates || candidates.length < PREFIX_CANDIDATES)) {
      this.skippedSize++;
      const text = Buffer.from(b.subarray(p, q));
      if (candidates) candidates.push(text);
      else this.skipped.set(h, [text]);
    }
    return q;
  }

  private readonly skipped = new Map<number, Buffer[]>();
  private skippedSize = 0;

  /** Past the string at p (buf[p] is '"'), checked; `escaped` says whether it had a backslash. */
  private string(p: number): number {
    const b = this.buf;
    const end = this.end;
    let escaped = false;
    for (let i = p + 1; i < end; i++) {
      const c = b[i]!;
      if (PLAIN[c] === 1) continue;
      if (c === 0x22) {
        this.escaped = escaped;
        return i + 1;
      }
      if (c < 0x20 || c >= 0x80) return FAIL;
      if (c === 0x5c) {
        escaped = true;
        if (++i >= end) return FAIL;
        const e = b[i];
        if (e === 0x75) {
          if (i + 4 >= end) return FAIL;
          for (let j = 1; j <= 4; j++) if (!isHex(b[i + j]!)) return FAIL;
          i += 4;
        } else if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
          return FAIL;
        }
      }
    }
    return FAIL;
  }

  /** Past the number at p: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(p: number): number {
    const b = this.buf;
    const end = this.end;
    let i = p;
    if (b[i] === 0x2d) i++;
    if (i >= end) return FAIL;
    if (b[i] === 0x30) i++;
    else if (b[i]! >= 0x31 && b[i]! <= 0x39) while (i < end && isDigit(b[i]!)) i++;
    else return FAIL;
    if (i < end && b[i] === 0x2e) {
      i++;
      if (i >= end || !isDigit(b[i]!)) return FAIL;
      while (i < end && isDigit(b[i]!)) i++;
    }
    if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      if (i >= end || !isDigit(b[i]!)) return FAIL;
      while (i < end && isDigit(b[i]!)) i++;
    }
    return i;
  }

  /** Past the value at p, checked and not built. */
  private skip(p: number, depth: number): number {
    const b = this.buf;
    const c = b[p]!;
    if (c === 0x22) return this.string(p);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(p);
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_DEPTH) return FAIL;
      const end = this.end;
      const close = c === 0x7b ? 0x7d : 0x5d;
      p++;
      if (p < end && b[p]! <= 0x20) p = this.ws(p);
      if (p < end && b[p] === close) return p + 1;
      for (;;) {
        if (p >= end) return FAIL;
        if (c === 0x7b) {
          if (b[p] !== 0x22) return FAIL;
          p = this.string(p);
          if (p === FAIL) return FAIL;
          if (b[p] !== 0x3a) {
            p = this.ws(p);
            if (p >= end || b[p] !== 0x3a) return FAIL;
          }
          p++;
          if (p < end && b[p]! <= 0x20) p = this.ws(p);
          if (p >= end) return FAIL;
        }
        p = this.skip(p, depth + 1);
        if (p === FAIL) return FAIL;
        let d = b[p];
        if (d !== 0x2c && d !== close) {
          p = this.ws(p);
          if (p >= end) return FAIL;
          d = b[p];
        }
        if (d === close) return p + 1;
        if (d !== 0x2c) return FAIL;
        p++;
        if (p < end && b[p]! <= 0x20) p = this.ws(p);
      }
    }
    if (c === 0x74) return literal(b, p, this.end, TRUE);
    if (c === 0x66) return literal(b, p, this.end, FALSE);
    if (c === 0x6e) return literal(b, p, this.end, NULL);
    return FAIL;
  }
}

/** into[name] = JSON.parse of buf[p, q), a value the scanner has checked; false if it throws all the same. */
function parseInto(b: Buffer, p: number, q: number, name: string, into: Record<string, unknown>): boolean {
  try {
    into[name] = JSON.parse(b.toString('latin1', p, q));
    return true;
  } catch {
    return false;
  }
}

/** String bytes that need no look: printable ASCII but '"' and '\\'. */
const PLAIN = new Uint8Array(256).map((_, c) => (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c ? 1 : 0));

const TRUE = new TextEncoder().encode('true');
const FALSE = new TextEncoder().encode('false');
const NULL = new TextEncoder().encode('null');

function literal(b: Uint8Array, p: number, end: number, word: Uint8Array): number {
  if (p + word.length > end) return FAIL;
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) return FAIL;
  return p + word.length;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** buf[start, end) is a dotted-quad IPv4 address as flow-record.ts's isIpv4 has it: four parts of 1 to 3 digits, each at most 255. */
function isIpv4Bytes(b: Uint8Array, start: number, end: number): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? b[i]! : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else return false;
  }
  return parts === 4;
}

/** The field whose name is the key buf[start, end) (no escapes), if any. */
function match(b: Uint8Array, start: number, end: number, set: FieldSet): Field | undefined {
  const n = end - start;
  const fields = set.byLength[n];
  if (fields === undefined) return undefined;
  for (let j = 0; j < fields.length; j++) {
    const f = fields[j]!;
    const k = f.key;
    if (k[0] !== b[start]) continue;
    let i = 0;
    while (i < n && b[start + i] === k[i]) i++;
    if (i === n) return f;
  }
  return undefined;
}

/** FNV-1a over buf[start, end), cut to 30 bits: a small integer, so a Map key V8 keeps unboxed. */
function hash(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 2;
}
