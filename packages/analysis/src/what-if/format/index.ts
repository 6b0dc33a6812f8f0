/** The what-if formats, one file each; the apps pick one by name. */
import type { WhatIfReport } from '../what-if-report.js';
import { whatIfCsv } from './csv.js';
import { whatIfJsonText } from './json.js';
import { whatIfMarkdown } from './md.js';
import { whatIfText } from './txt.js';

export const WHAT_IF_FORMATS = ['txt', 'json', 'csv', 'md'] as const;
export type WhatIfFormat = (typeof WHAT_IF_FORMATS)[number];

export function formatWhatIf(r: WhatIfReport, format: WhatIfFormat): string {
  switch (format) {
    case 'json':
      return whatIfJsonText(r);
    case 'csv':
      return whatIfCsv(r);
    case 'md':
      return whatIfMarkdown(r);
    default:
      return whatIfText(r);
  }
}
