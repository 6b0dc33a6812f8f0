/**
 * @lateral/analysis: the reports that join the engine (core) with manifests (k8s) and observed
 * traffic (flows), built once for the CLI and the web server. The apps parse a request, call a
 * builder here and pick a formatter; the HTTP API returns the CLI's JSON.
 */

// Hints for names that match nothing.
export { closest, closestHint } from './closest.js';

// What-if: a change as kubectl apply/delete would make it, the report, and its formats.
export { applyChange, changedLoad, changeLabel, displayRef, parseObjectRef, type ObjectChange, type ObjectRef } from './what-if/apply-change.js';
export { brokenFlows, type BrokenFlow } from './what-if/broken-flows.js';
export { FAIL_ON, whatIfReport, type FailOn, type WhatIfInput, type WhatIfReport } from './what-if/what-if-report.js';
export { formatWhatIf, WHAT_IF_FORMATS, type WhatIfFormat } from './what-if/format/index.js';
export { whatIfJson, type WhatIfJson } from './what-if/format/json.js';
export { whatIfMarkdown } from './what-if/format/md.js';
export { whatIfSummary, type WhatIfSummary } from './what-if/format/summary.js';
export { footholdChange, type FootholdChange, type FootholdPathChange } from './what-if/foothold-change.js';

// Lateral movement: footholds and crown jewels from user input, the paths and risk answers.
export { resolveFoothold, resolveJewels } from './lateral-movement/resolve.js';
export { observedConnections, pathsReport, riskJson, type PathsReport, type RiskJson } from './lateral-movement/lateral-reports.js';
