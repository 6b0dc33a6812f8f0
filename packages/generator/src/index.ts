export * from './generate.js';
export * from './verify.js';
export * from './policy-yaml.js';
export * from './audit.js';
export { SelectorChooser, PER_POD_LABELS, RELEASE_LABELS, type StableSelector } from './stable-selector.js';
export { DNS_RULE, DNS_PEER, DNS_NAMESPACE, DNS_POD_LABELS, isDnsPod } from './dns.js';
export { externalCidr, type Aggregation } from './external-cidr.js';
export { FlowJudge, endpointLabel, isSelfFlow } from './flow-nodes.js';
