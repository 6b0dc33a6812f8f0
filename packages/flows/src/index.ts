export * from './flow-set.js';
export { readFlows, FLOW_FORMATS, type ReadFlowsOptions } from './read-flows.js';
export { detectFormat } from './detect-format.js';
export { parseHubbleLine } from './hubble.js';
export { parseGadgetLine } from './gadget.js';
export { parseJsonlLine } from './jsonl.js';
export { parseCsvHeader, parseCsvLine, type CsvHeader } from './csv.js';
export { BadFlowLine, IGNORED, type FlowPeer, type FlowRecord, type ParsedLine } from './flow-record.js';
export { FlowResolver, ownersImpliedBy, type Resolution, type ResolvedEndpoint } from './flow-resolver.js';
// Line sources: what reads a capture reads any line-oriented input (check --queries too).
export { STDIN_NAME, fsReason, lineBatchesOf, openInput } from './line-source.js';
export { ConnectionResolver, targetPort, type ConnectionEnd, type ConnectionResolution } from './connection-resolver.js';
// The parallel reader of one large file and the fold it feeds, for whoever reads captures in
// pieces of their own (and for the tests that hold it to the sequential reader).
export { EdgeFolder } from './edge-folder.js';
export { readFileInParallel, type ParallelFileResult } from './parallel-read.js';
