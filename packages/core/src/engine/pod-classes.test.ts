import { describe, expect, it } from 'vitest';
import { NO_SECURITY_FLAGS, type ContainerPort, type Labels, type Pod } from '../model/model.js';
import { buildPodClasses } from './pod-classes.js';
import { SelectorIndex } from './selector-index.js';

function pod(namespace: string, name: string, labels: Labels, ports: ContainerPort[] = []): Pod {
  return {
    namespace, name, labels, ips: [], ports,
    owner: { kind: 'Pod', namespace, name }, hostNetwork: false, security: NO_SECURITY_FLAGS, replicas: 1, fromTemplate: false,
  };
}

describe('pod classes', () => {
  const selectors = new SelectorIndex();
  const tierFront = selectors.add({ matchLabels: { tier: 'front' } });
  const pods = [
    pod('a', 'a1', { tier: 'front', hash: '1' }),
    pod('a', 'a2', { tier: 'front', hash: '2' }),
    pod('a', 'a3', { tier: 'back' }),
    pod('b', 'b1', { tier: 'front' }),
    pod('b', 'b2', { tier: 'back' }),
    pod('b', 'b3', { tier: 'back' }, [{ name: 'http', containerPort: 80, protocol: 'TCP' }]),
    pod('b', 'b4', { tier: 'back' }, [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]),
  ];
  const classes = buildPodClasses({
    pods,
    podNamespace: Int32Array.from([0, 0, 0, 1, 1, 1, 1]),
    namespaceCount: 2,
    selectors,
    // Only namespace a has a policy reading tier=front.
    relevant: [new Set([tierFront]), new Set()],
    portNames: new Set(['http']),
  });
  const same = (i: number, j: number) => classes.podClass[i] === classes.podClass[j];

  it('split a namespace only by selectors that apply there', () => {
    expect(same(0, 1)).toBe(true); // the hash label is read by nothing
    expect(same(0, 2)).toBe(false);
    expect(same(3, 4)).toBe(true); // tier=front does not matter in b
    expect(same(0, 3)).toBe(false); // namespaces never share a class
    expect(classes.classSelectors[classes.podClass[0]!]).toEqual([tierFront]);
  });

  it('split by named ports only when a rule names them', () => {
    expect(same(4, 5)).toBe(false);
    expect(same(4, 6)).toBe(true);
    expect(classes.namedPortSets[classes.classNamedPorts[classes.podClass[5]!]!]).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }]);
  });

  it('list every pod under its class, in order', () => {
    expect(classes.classPods.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(classes.classPods[classes.podClass[0]!]).toEqual([0, 1]);
  });
});
