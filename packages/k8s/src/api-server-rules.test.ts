/**
 * What the API server accepts and refuses, rule by rule, next to what Lateral does with the same
 * manifest. Each row names the apimachinery / networking validation it mirrors, so a change on
 * either side shows up here as one failing row.
 */
import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

type Verdict = 'accepts' | { refuses: string };

interface Row {
  readonly rule: string;
  readonly yaml: string;
  readonly apiServer: Verdict;
}

const policy = (spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: ns}
${spec}`;
const podLabels = (labels: string) => `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: ${labels}}
spec: {containers: [{name: c, image: x}]}`;
const ipBlock = (b: string) => policy(`spec: {podSelector: {}, egress: [{to: [{ipBlock: ${b}}]}]}`);
const long = (n: number) => 'a'.repeat(n);

// prettier-ignore
const ROWS: Row[] = [
  // ValidateNetworkPolicySpec: podSelector is a struct, so omitted and null are the empty selector.
  { rule: 'podSelector omitted', yaml: policy('spec: {policyTypes: [Ingress]}'), apiServer: 'accepts' },
  { rule: 'podSelector null', yaml: policy('spec: {podSelector: null}'), apiServer: 'accepts' },
  { rule: 'spec omitted', yaml: policy(''), apiServer: 'accepts' },
  // IsQualifiedName: optional DNS-1123 subdomain prefix (<= 253) and "/", name <= 63 of [A-Za-z0-9-_.], alphanumeric at both ends.
  { rule: 'label key with a prefix', yaml: podLabels('{app.kubernetes.io/name: web}'), apiServer: 'accepts' },
  { rule: 'label key with upper case and _ . in the name', yaml: podLabels('{My_Key.v1: x}'), apiServer: 'accepts' },
  { rule: 'label key with a space', yaml: podLabels('{"a b": x}'), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key starting with -', yaml: podLabels('{"-a": x}'), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key ending with .', yaml: podLabels('{"a.": x}'), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key name of 63 characters', yaml: podLabels(`{${long(63)}: x}`), apiServer: 'accepts' },
  { rule: 'label key name of 64 characters', yaml: podLabels(`{${long(64)}: x}`), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key with an empty prefix', yaml: podLabels('{"/a": x}'), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key with an upper-case prefix', yaml: podLabels('{"Example.com/a": x}'), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key prefix of 254 characters', yaml: podLabels(`{"${long(254)}/a": x}`), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key with two slashes', yaml: podLabels('{"a/b/c": x}'), apiServer: { refuses: 'metadata.labels' } },
  { rule: 'label key empty', yaml: podLabels('{"": x}'), apiServer: { refuses: 'metadata.labels' } },
  // IsValidLabelValue: empty, or <= 63 of [A-Za-z0-9-_.] with alphanumeric ends.
  { rule: 'label value empty', yaml: podLabels('{a: ""}'), apiServer: 'accepts' },
  { rule: 'label value of 63 characters', yaml: podLabels(`{a: ${long(63)}}`), apiServer: 'accepts' },
  { rule: 'label value of 64 characters', yaml: podLabels(`{a: ${long(64)}}`), apiServer: { refuses: 'metadata.labels.a' } },
  { rule: 'label value with a space', yaml: podLabels('{a: "x y"}'), apiServer: { refuses: 'metadata.labels.a' } },
  { rule: 'label value ending with -', yaml: podLabels('{a: "x-"}'), apiServer: { refuses: 'metadata.labels.a' } },
  { rule: 'label value with a slash', yaml: podLabels('{a: "x/y"}'), apiServer: { refuses: 'metadata.labels.a' } },
  // ValidateLabelSelector: matchLabels as labels; matchExpressions keys as label keys, values as label values.
  { rule: 'matchLabels key with a space', yaml: policy('spec: {podSelector: {matchLabels: {"a b": x}}}'), apiServer: { refuses: 'spec.podSelector.matchLabels' } },
  { rule: 'matchLabels value of 64 characters', yaml: policy(`spec: {podSelector: {matchLabels: {a: ${long(64)}}}}`), apiServer: { refuses: 'spec.podSelector.matchLabels.a' } },
  { rule: 'matchExpressions key starting with -', yaml: policy('spec: {podSelector: {matchExpressions: [{key: "-a", operator: Exists}]}}'), apiServer: { refuses: 'spec.podSelector.matchExpressions[0].key' } },
  { rule: 'matchExpressions value with a space', yaml: policy('spec: {ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: a, operator: In, values: ["x y"]}]}}]}]}'), apiServer: { refuses: 'spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values[0]' } },
  { rule: 'matchExpressions In with an empty value', yaml: policy('spec: {podSelector: {matchExpressions: [{key: a, operator: In, values: [""]}]}}'), apiServer: 'accepts' },
  // ValidateIPBlock: ParseCIDRSloppy — no surrounding or inner spaces; except a strict subset.
  { rule: 'cidr IPv4', yaml: ipBlock('{cidr: 10.0.0.0/8}'), apiServer: 'accepts' },
  { rule: 'cidr with host bits set', yaml: ipBlock('{cidr: 10.0.0.1/8}'), apiServer: 'accepts' },
  { rule: 'cidr IPv6', yaml: ipBlock('{cidr: "2001:db8::/32"}'), apiServer: 'accepts' },
  { rule: 'cidr with a leading space', yaml: ipBlock('{cidr: " 10.0.0.0/8"}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.cidr' } },
  { rule: 'cidr with a space before /', yaml: ipBlock('{cidr: "10.0.0.0 /8"}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.cidr' } },
  { rule: 'cidr with a trailing newline', yaml: ipBlock('{cidr: "10.0.0.0/8\\n"}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.cidr' } },
  { rule: 'cidr without a prefix length', yaml: ipBlock('{cidr: 10.0.0.0}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.cidr' } },
  { rule: 'cidr prefix over 32', yaml: ipBlock('{cidr: 10.0.0.0/33}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.cidr' } },
  { rule: 'except with a space', yaml: ipBlock('{cidr: 10.0.0.0/8, except: ["10.1.0.0/16 "]}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.except[0]' } },
  { rule: 'except equal to cidr', yaml: ipBlock('{cidr: 10.0.0.0/8, except: [10.0.0.0/8]}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.except[0]' } },
  { rule: 'except outside cidr', yaml: ipBlock('{cidr: 10.0.0.0/8, except: [11.0.0.0/16]}'), apiServer: { refuses: 'spec.egress[0].to[0].ipBlock.except[0]' } },
];

function lateral(yaml: string): Verdict {
  try {
    clusterFromObjects(parseManifests(yaml, 'rules.yaml'));
    return 'accepts';
  } catch (e) {
    if (e instanceof InputError) return { refuses: e.location.field ?? '' };
    throw e;
  }
}

describe('accepts what the API server accepts, refuses what it refuses', () => {
  it.each(ROWS.map((r) => [r.rule, r] as const))('%s', (_rule, row) => {
    expect(lateral(row.yaml)).toEqual(row.apiServer);
  });

  it('an omitted podSelector selects every pod of the namespace', () => {
    const r = clusterFromObjects(parseManifests(policy('spec: {policyTypes: [Ingress]}'), 'p.yaml'));
    expect(r.cluster.policies[0]!.podSelector).toEqual({});
  });

  it('quotes at most 200 characters of an offending value, with its length', () => {
    const huge = 'a'.repeat(10 * 1024 * 1024);
    let message = '';
    try {
      clusterFromObjects([{ obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { a: huge } } }, file: 'big.yaml' }]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`"${'a'.repeat(200)}…" (10,485,760 characters)`);
    expect(message.length).toBeLessThan(600);
  });
});
