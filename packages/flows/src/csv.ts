/**
 * Generic CSV with a header row: columns by name (any order, any case; unknown columns are
 * ignored), fields as in generic-record.ts. Quoting as RFC 4180 within a line (a quoted field
 * may hold commas and doubled quotes, not line breaks): what spreadsheet and database exports
 * (ClickHouse `FORMAT CSVWithNames`, BigQuery EXPORT DATA) write for these columns.
 */
import { BadFlowLine, type ParsedLine } from './flow-record.js';
import { GENERIC_FIELDS, genericRecord, type GenericField } from './generic-record.js';

/** Column index of each field (-1: absent). */
export type CsvHeader = Readonly<Record<GenericField, number>>;

export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new BadFlowLine('unterminated quoted field');
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ',') throw new BadFlowLine('text after a quoted field');
    } else {
      const c = line.indexOf(',', i);
      field = line.slice(i, c < 0 ? line.length : c);
      i = c < 0 ? line.length : c;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** Reads the header row; throws BadFlowLine when it lacks src, dst or port. */
export function parseCsvHeader(line: string): CsvHeader {
  const names = splitCsvLine(line.replace(/^\uFEFF/, '')).map((n) => n.trim().toLowerCase());
  const header = {} as Record<GenericField, number>;
  for (const f of Object.keys(GENERIC_FIELDS) as GenericField[]) {
    header[f] = names.findIndex((n) => (GENERIC_FIELDS[f] as readonly string[]).includes(n));
  }
  const missing = (['src', 'dst', 'port'] as const).filter((f) => header[f] < 0);
  if (missing.length > 0) {
    throw new BadFlowLine(`CSV header has no ${missing.join(', ')} column (found: ${names.join(', ')})`);
  }
  return header;
}

export function parseCsvLine(line: string, header: CsvHeader): ParsedLine {
  const cells = splitCsvLine(line);
  return genericRecord((f) => {
    const i = header[f];
    return i < 0 ? undefined : cells[i]?.trim();
  });
}
