/**
 * The pod fields every pod of a large cluster passes through (container ports, owner references,
 * pod IPs, labels) are read with quick type tests first and built into field paths only when a
 * value fails them. What a user notices must not change: a value the API server refuses is
 * refused naming its field, in the order the fields are read, and null still reads as absent.
 */
import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

const load = (yaml: string) => clusterFromObjects(parseManifests(yaml, 'p.yaml'));

function message(yaml: string): string {
  try {
    load(yaml);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

/** A Pod with one container, `port` as its only port, and the given extra spec / status / metadata lines. */
const pod = ({ port = '{containerPort: 8080, name: http}', spec = '', status = '', meta = '' } = {}) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop${meta}}
spec:
  containers:
    - name: main
      ports: [${port}]
${spec}status:
  podIP: 10.0.0.5
${status}`;

describe('container ports', () => {
  const refused: [string, string, string][] = [
    ['a port as a string', '{containerPort: "80"}', 'spec.containers[0].ports[0].containerPort: must be an integer, not string "80"'],
    ['a port of 0', '{containerPort: 0}', 'spec.containers[0].ports[0].containerPort: port 0 is out of range 1-65535'],
    ['a port of null', '{containerPort: null}', 'spec.containers[0].ports[0].containerPort: is required'],
    ['a port that is no mapping', '8080', 'spec.containers[0].ports[0]: must be a mapping, not number 8080'],
    ['a name that is a number', '{containerPort: 80, name: 80}', 'spec.containers[0].ports[0].name: must be a string, not number 80'],
    ['a name in capitals', '{containerPort: 80, name: HTTP}', 'spec.containers[0].ports[0].name: invalid port name "HTTP": must contain only lowercase letters, digits and "-" (IANA_SVC_NAME)'],
    ['a negative hostPort', '{containerPort: 80, hostPort: -1}', 'spec.containers[0].ports[0].hostPort: port -1 is out of range 1-65535'],
    ['a hostPort that is a fraction', '{containerPort: 80, hostPort: 1.5}', 'spec.containers[0].ports[0].hostPort: must be an integer, not number 1.5'],
    ['a protocol in lower case', '{containerPort: 80, protocol: tcp}', 'spec.containers[0].ports[0].protocol: unsupported protocol "tcp" (expected TCP, UDP or SCTP)'],
    // Read in this order: the port number is what is reported, not the protocol after it.
    ['two bad fields', '{containerPort: 0, protocol: tcp}', 'spec.containers[0].ports[0].containerPort: port 0 is out of range 1-65535'],
  ];
  for (const [what, port, field] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      expect(message(pod({ port }))).toBe(`p.yaml:1: Pod shop/p: ${field}`);
    });
  }

  it('reads null name, hostPort and protocol as absent, and hostPort 0 as not set', () => {
    const { cluster } = load(pod({ port: '{containerPort: 53, name: null, hostPort: 0, protocol: null}, {containerPort: 9000, protocol: SCTP, hostPort: 9000, name: m}' }));
    expect(cluster.pods[0]!.ports).toEqual([
      { containerPort: 53, protocol: 'TCP' },
      { name: 'm', containerPort: 9000, protocol: 'SCTP', hostPort: 9000 },
    ]);
  });

  it('checks every container list before reading any container', () => {
    expect(message(pod({ port: '{containerPort: 0}', spec: '  ephemeralContainers: {name: debug}\n' }))).toBe(
      'p.yaml:1: Pod shop/p: spec.ephemeralContainers: must be a list, not a mapping',
    );
  });
});

describe('the other pod fields read on every pod', () => {
  const refused: [string, Parameters<typeof pod>[0], string][] = [
    ['a nodeName that is a number', { spec: '  nodeName: 7\n' }, 'spec.nodeName: must be a string, not number 7'],
    ['hostNetwork as a string', { spec: '  hostNetwork: "yes"\n' }, 'spec.hostNetwork: must be true or false, not string "yes"'],
    ['a podIPs entry that is no mapping', { status: '  podIPs: [10.0.0.5]\n' }, 'status.podIPs[0]: must be a mapping, not string "10.0.0.5"'],
    ['a podIPs address that is no address', { status: '  podIPs: [{ip: 10.0.0.5}, {ip: 10.0.0.500}]\n' }, 'status.podIPs[1].ip: invalid IP address "10.0.0.500"'],
    ['an owner reference without a name', { meta: ', ownerReferences: [{kind: ReplicaSet, name: ""}]' }, 'metadata.ownerReferences[0].name: owner reference needs a name'],
    ['an owner reference whose controller is a string', { meta: ', ownerReferences: [{kind: ReplicaSet, name: rs, controller: "true"}]' }, 'metadata.ownerReferences[0].controller: must be true or false, not string "true"'],
    ['a label value with a space', { meta: ', labels: {app: "a b"}' }, 'metadata.labels.app: invalid label value "a b": a label value is empty or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit'],
  ];
  for (const [what, parts, field] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      expect(message(pod(parts))).toBe(`p.yaml:1: Pod shop/p: ${field}`);
    });
  }

  it('lists an address written twice once, and podIP first', () => {
    const { cluster } = load(pod({ status: '  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}, {ip: "fd00:0::5"}]\n' }));
    expect(cluster.pods[0]!.ips).toEqual(['10.0.0.5', 'fd00::5']);
  });

  it('takes the controller reference, reading a null controller as false', () => {
    const { cluster } = load(pod({ meta: ', ownerReferences: [{kind: ReplicaSet, name: a, controller: null}, {kind: ReplicaSet, name: b, controller: true}]' }));
    expect(cluster.pods[0]!.owner).toEqual({ kind: 'ReplicaSet', namespace: 'shop', name: 'b' });
  });
});
