import { describe, expect, it } from 'vitest';
import { BadFlowLine, IGNORED } from './flow-record.js';
import { parseHubbleLine } from './hubble.js';

// Lines as `hubble observe -o json` prints them (Cilium 1.15), trimmed of nothing.
const SYN =
  '{"flow":{"time":"2025-03-14T10:15:05.603118410Z","uuid":"0f6a1c2e-1b3d-4e5f-8a9b-0c1d2e3f4a5b","verdict":"FORWARDED","ethernet":{"source":"5e:5c:ca:b5:cc:87","destination":"f1:d5:a1:03:9e:98"},"IP":{"source":"10.244.1.17","destination":"10.244.2.31","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":48212,"destination_port":7070,"flags":{"SYN":true}}},"source":{"ID":1123,"identity":40312,"namespace":"shop","labels":["k8s:app.kubernetes.io/name=frontend","k8s:app=frontend","k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop","k8s:io.cilium.k8s.policy.cluster=default","k8s:io.cilium.k8s.policy.serviceaccount=frontend","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=frontend"],"pod_name":"frontend-6c9f8d7b5d-4xk2p","workloads":[{"name":"frontend","kind":"Deployment"}]},"destination":{"ID":2210,"identity":21877,"namespace":"shop","labels":["k8s:app=cart","k8s:io.cilium.k8s.policy.cluster=default","k8s:io.cilium.k8s.policy.serviceaccount=cart","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=backend"],"pod_name":"cart-7b9c6d5f4-x2k8p","workloads":[{"name":"cart","kind":"Deployment"}]},"Type":"L3_L4","node_name":"worker-1","event_type":{"type":4,"sub_type":3},"destination_service":{"name":"cart","namespace":"shop"},"traffic_direction":"EGRESS","trace_observation_point":"TO_STACK","is_reply":false,"Summary":"TCP Flags: SYN"},"node_name":"worker-1","time":"2025-03-14T10:15:05.603118410Z"}';
const SYN_ACK =
  '{"flow":{"time":"2025-03-14T10:15:05.603402771Z","uuid":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","verdict":"FORWARDED","IP":{"source":"10.244.2.31","destination":"10.244.1.17","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":7070,"destination_port":48212,"flags":{"SYN":true,"ACK":true}}},"source":{"ID":2210,"identity":21877,"namespace":"shop","labels":["k8s:app=cart","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=backend"],"pod_name":"cart-7b9c6d5f4-x2k8p","workloads":[{"name":"cart","kind":"Deployment"}]},"destination":{"ID":1123,"identity":40312,"namespace":"shop","labels":["k8s:app=frontend","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=frontend"],"pod_name":"frontend-6c9f8d7b5d-4xk2p","workloads":[{"name":"frontend","kind":"Deployment"}]},"Type":"L3_L4","node_name":"worker-1","event_type":{"type":4,"sub_type":3},"traffic_direction":"EGRESS","trace_observation_point":"TO_STACK","is_reply":true,"Summary":"TCP Flags: SYN, ACK"},"node_name":"worker-1","time":"2025-03-14T10:15:05.603402771Z"}';
const DNS_REPLY =
  '{"flow":{"time":"2025-03-14T10:15:07.966012003Z","verdict":"FORWARDED","IP":{"source":"10.244.1.3","destination":"10.244.1.17","ipVersion":"IPv4"},"l4":{"UDP":{"source_port":53,"destination_port":40312}},"source":{"ID":88,"identity":5531,"namespace":"kube-system","labels":["k8s:io.cilium.k8s.policy.serviceaccount=coredns","k8s:io.kubernetes.pod.namespace=kube-system","k8s:k8s-app=kube-dns"],"pod_name":"coredns-5d78c9869d-8kq2x","workloads":[{"name":"coredns","kind":"Deployment"}]},"destination":{"ID":1123,"identity":40312,"namespace":"shop","labels":["k8s:app=frontend","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"frontend-6c9f8d7b5d-4xk2p"},"Type":"L3_L4","node_name":"worker-1","event_type":{"type":4,"sub_type":3},"source_service":{"name":"kube-dns","namespace":"kube-system"},"traffic_direction":"EGRESS","is_reply":true,"Summary":"UDP"},"node_name":"worker-1","time":"2025-03-14T10:15:07.966012003Z"}';
const DROPPED_TO_WORLD =
  '{"flow":{"time":"2025-03-14T10:15:01.293265664Z","uuid":"4c1aa21e-8b74-4cd1-ad93-c686c09d9d99","verdict":"DROPPED","drop_reason":133,"IP":{"source":"10.244.1.41","destination":"198.51.100.80","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":48199,"destination_port":443,"flags":{"SYN":true}}},"source":{"ID":3310,"identity":37877,"namespace":"shop","labels":["k8s:app=currency","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=backend"],"pod_name":"currency-5d6f7b8c9-w3e5r","workloads":[{"name":"currency","kind":"Deployment"}]},"destination":{"identity":2,"labels":["reserved:world"]},"Type":"L3_L4","node_name":"worker-1","event_type":{"type":1,"sub_type":133},"traffic_direction":"EGRESS","drop_reason_desc":"POLICY_DENIED","is_reply":false,"Summary":"TCP Flags: SYN"},"node_name":"worker-1","time":"2025-03-14T10:15:01.293265664Z"}';
const KUBELET_PROBE =
  '{"flow":{"time":"2025-03-14T10:15:03.502022144Z","verdict":"FORWARDED","IP":{"source":"192.168.10.11","destination":"10.244.1.17","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":42649,"destination_port":8080,"flags":{"SYN":true}}},"source":{"identity":1,"labels":["reserved:host"]},"destination":{"ID":341,"identity":10585,"namespace":"shop","labels":["k8s:app=frontend"],"pod_name":"frontend-6c9f8d7b5d-4xk2p"},"Type":"L3_L4","node_name":"worker-1","event_type":{"type":4,"sub_type":0},"traffic_direction":"INGRESS","trace_observation_point":"TO_ENDPOINT","is_reply":false,"Summary":"TCP Flags: SYN"},"node_name":"worker-1","time":"2025-03-14T10:15:03.502022144Z"}';
const ICMP =
  '{"flow":{"time":"2025-03-14T10:15:04.771203558Z","verdict":"FORWARDED","IP":{"source":"10.244.2.77","destination":"8.8.8.8","ipVersion":"IPv4"},"l4":{"ICMPv4":{"type":8}},"source":{"ID":2511,"identity":48213,"namespace":"shop","labels":["k8s:run=netshoot"],"pod_name":"netshoot-debug"},"destination":{"identity":2,"labels":["reserved:world"]},"Type":"L3_L4","node_name":"worker-2","traffic_direction":"EGRESS","is_reply":false,"Summary":"ICMPv4 EchoRequest"},"node_name":"worker-2","time":"2025-03-14T10:15:04.771203558Z"}';
const LOST =
  '{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"37","cpu":null},"node_name":"worker-2","time":"2025-03-14T10:15:01.018227601Z"}';
// Older CLIs (`-o json` before jsonpb) print the flow itself, and only `reply`.
const LEGACY =
  '{"time":"2020-06-04T11:20:10.103Z","verdict":"FORWARDED","IP":{"source":"10.0.0.7","destination":"fd00::a","ipVersion":"IPv6"},"l4":{"SCTP":{"source_port":36412,"destination_port":9899}},"source":{"identity":1201,"namespace":"default","labels":["k8s:app=sender"],"pod_name":"sender-7f8d9"},"destination":{"identity":1300,"namespace":"default","labels":["k8s:app=receiver"],"pod_name":"receiver-0"},"Type":"L3_L4","node_name":"k8s1","reply":false}';

describe('parseHubbleLine', () => {
  it('reads a forward TCP flow: pods, Kubernetes labels without Cilium ones, owner, port, time', () => {
    const r = parseHubbleLine(SYN)!;
    expect(r.src).toMatchObject({
      namespace: 'shop',
      pod: 'frontend-6c9f8d7b5d-4xk2p',
      ip: '10.244.1.17',
      workload: 'frontend',
      labels: { app: 'frontend', tier: 'frontend', 'app.kubernetes.io/name': 'frontend' },
    });
    expect(Object.keys(r.src.labels!).some((k) => k.startsWith('io.'))).toBe(false);
    expect(r.dst).toMatchObject({ namespace: 'shop', pod: 'cart-7b9c6d5f4-x2k8p', labels: { app: 'cart', tier: 'backend' } });
    expect(r).toMatchObject({ port: 7070, protocol: 'TCP', count: 1, dropped: false, reply: false });
    expect(new Date(r.time!).toISOString()).toBe('2025-03-14T10:15:05.603Z');
  });

  it('turns a reply around into its connection: client first, server port', () => {
    const r = parseHubbleLine(SYN_ACK)!;
    expect(r.reply).toBe(true);
    expect(r.src.pod).toBe('frontend-6c9f8d7b5d-4xk2p');
    expect(r.dst.pod).toBe('cart-7b9c6d5f4-x2k8p');
    expect(r.port).toBe(7070);
  });

  it('turns a DNS answer from kube-dns into the lookup: UDP 53 to CoreDNS', () => {
    const r = parseHubbleLine(DNS_REPLY)!;
    expect(r).toMatchObject({ protocol: 'UDP', port: 53, reply: true });
    expect(r.src.pod).toBe('frontend-6c9f8d7b5d-4xk2p');
    expect(r.dst).toMatchObject({ namespace: 'kube-system', pod: 'coredns-5d78c9869d-8kq2x', labels: { 'k8s-app': 'kube-dns' } });
  });

  it('marks DROPPED verdicts and keeps a world peer as its address only', () => {
    const r = parseHubbleLine(DROPPED_TO_WORLD)!;
    expect(r.dropped).toBe(true);
    expect(r.dst).toEqual({ key: expect.any(String), ip: '198.51.100.80' });
  });

  it('keeps the node (reserved:host) as its address', () => {
    const r = parseHubbleLine(KUBELET_PROBE)!;
    expect(r.src).toEqual({ key: expect.any(String), ip: '192.168.10.11', localNode: true });
    expect(r.dst.pod).toBe('frontend-6c9f8d7b5d-4xk2p');
  });

  it('ignores ICMP and non-flow records', () => {
    expect(parseHubbleLine(ICMP)).toBe(IGNORED);
    expect(parseHubbleLine(LOST)).toBe(IGNORED);
  });

  it('reads the bare legacy form, SCTP and IPv6 (canonical text)', () => {
    const r = parseHubbleLine(LEGACY)!;
    expect(r).toMatchObject({ protocol: 'SCTP', port: 9899, reply: false });
    expect(r.dst.ip).toBe('fd00::a');
  });

  it('rejects what is not a flow', () => {
    expect(() => parseHubbleLine(SYN.slice(0, 300))).toThrow(BadFlowLine);
    expect(() => parseHubbleLine('Error: rpc error: code = Unavailable desc = connection error')).toThrow(/not JSON/);
    expect(() => parseHubbleLine('{"kind":"Pod"}')).toThrow(/not a Hubble flow/);
    expect(() => parseHubbleLine(SYN.replace('"10.244.1.17"', '"10.244.1.999"'))).toThrow(/IP.source "10.244.1.999"/);
    expect(() => parseHubbleLine(SYN.replace('"destination_port":7070', '"destination_port":0'))).toThrow(/destination_port/);
  });
});
