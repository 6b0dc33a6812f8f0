import { describe, expect, it } from 'vitest';
import { BadFlowLine, IGNORED } from './flow-record.js';
import { parseGadgetLine } from './gadget.js';

// `kubectl gadget advise network-policy monitor --output` records (v0.2x field names).
const TO_SERVICE =
  '{"node":"worker-1","namespace":"shop","pod":"frontend-6c9f8d7b5d-4xk2p","container":"frontend","timestamp":1741947300937380000,"type":"normal","pktType":"OUTGOING","proto":"tcp","port":7070,"podHostIP":"192.168.10.11","podIP":"10.244.1.17","podOwner":"frontend","podLabels":{"app":"frontend","pod-template-hash":"6c9f8d7b5d","tier":"frontend"},"remoteKind":"svc","remoteAddr":"10.96.114.20","remoteName":"cart","remoteNamespace":"shop","remoteLabels":{"app":"cart"}}';
const FROM_POD =
  '{"node":"worker-2","namespace":"shop","pod":"cart-7b9c6d5f4-x2k8p","container":"cart","timestamp":1741947301484686800,"type":"normal","pktType":"HOST","proto":"tcp","port":7070,"podHostIP":"192.168.10.12","podIP":"10.244.2.31","podOwner":"cart","podLabels":{"app":"cart","pod-template-hash":"7b9c6d5f4","tier":"backend"},"remoteKind":"pod","remoteAddr":"10.244.1.17","remoteName":"frontend-6c9f8d7b5d-4xk2p","remoteNamespace":"shop","remoteLabels":{"app":"frontend","pod-template-hash":"6c9f8d7b5d","tier":"frontend"}}';
const TO_OTHER =
  '{"node":"worker-3","namespace":"shop","pod":"payment-6d4b8f9c57-r2t6v","container":"payment","timestamp":1741947326542174000,"type":"normal","pktType":"OUTGOING","proto":"tcp","port":443,"podHostIP":"192.168.10.13","podIP":"10.244.3.18","podOwner":"payment","podLabels":{"app":"payment","tier":"backend"},"remoteKind":"other","remoteAddr":"203.0.113.10"}';
// Earlier releases: remotePod*/remoteOther and `ip` for the address.
const OLD_FIELDS =
  '{"node":"minikube","namespace":"demo","pod":"test-pod","type":"normal","pktType":"HOST","proto":"tcp","ip":"172.17.0.4","port":9090,"remoteKind":"pod","podHostIP":"192.168.49.2","podIP":"172.17.0.3","podLabels":{"run":"test-pod"},"remotePodNamespace":"client","remotePodName":"test-pod","remotePodLabels":{"run":"test-pod"}}';
// Later releases: k8s metadata object and a dst endpoint.
const DST_ENDPOINT =
  '{"k8s":{"node":"minikube","namespace":"demo","pod":"shell","container":"shell"},"timestamp":1700000000123456789,"type":"normal","pktType":"OUTGOING","proto":"UDP","port":53,"podHostIP":"192.168.49.2","podIP":"10.244.0.9","podLabels":{"run":"shell"},"dst":{"addr":"10.96.0.10","version":4,"namespace":"kube-system","podname":"kube-dns","kind":"svc","podlabels":{"k8s-app":"kube-dns"}}}';

describe('parseGadgetLine', () => {
  it('reads an OUTGOING connection to a service: the pod, its owner and labels, the selector', () => {
    const r = parseGadgetLine(TO_SERVICE)!;
    expect(r.src).toMatchObject({ namespace: 'shop', pod: 'frontend-6c9f8d7b5d-4xk2p', ip: '10.244.1.17', workload: 'frontend' });
    expect(r.dst).toMatchObject({ namespace: 'shop', service: 'cart', labels: { app: 'cart' } });
    expect(r).toMatchObject({ port: 7070, protocol: 'TCP', dropped: false });
    expect(new Date(r.time!).toISOString()).toBe('2025-03-14T10:15:00.937Z');
  });

  it('reads a HOST event as the remote pod connecting to this one, on this pod\'s port', () => {
    const r = parseGadgetLine(FROM_POD)!;
    expect(r.src).toMatchObject({ namespace: 'shop', pod: 'frontend-6c9f8d7b5d-4xk2p', ip: '10.244.1.17' });
    expect(r.dst).toMatchObject({ namespace: 'shop', pod: 'cart-7b9c6d5f4-x2k8p', workload: 'cart' });
    expect(r.port).toBe(7070);
  });

  it('keeps an "other" remote as its address', () => {
    expect(parseGadgetLine(TO_OTHER)!.dst).toEqual({ key: expect.any(String), ip: '203.0.113.10' });
  });

  it('reads the field names of earlier and later releases', () => {
    const old = parseGadgetLine(OLD_FIELDS)!;
    expect(old.src).toMatchObject({ namespace: 'client', pod: 'test-pod', labels: { run: 'test-pod' } });
    expect(old.dst).toMatchObject({ namespace: 'demo', pod: 'test-pod', ip: '172.17.0.3' });
    const later = parseGadgetLine(DST_ENDPOINT)!;
    expect(later.src).toMatchObject({ namespace: 'demo', pod: 'shell' });
    expect(later.dst).toMatchObject({ namespace: 'kube-system', service: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } });
    expect(later).toMatchObject({ protocol: 'UDP', port: 53 });
  });

  it('ignores debug events, host-network pods and packets that are not connections', () => {
    expect(parseGadgetLine('{"type":"debug","message":"tracer attached","node":"worker-1","namespace":"shop","pod":"cart"}')).toBe(IGNORED);
    expect(parseGadgetLine(DST_ENDPOINT.replace('"container":"shell"', '"container":"shell","hostNetwork":true'))).toBe(IGNORED);
    expect(parseGadgetLine(TO_OTHER.replace('"OUTGOING"', '"MULTICAST"'))).toBe(IGNORED);
  });

  it('rejects events it cannot read', () => {
    expect(() => parseGadgetLine('{"node":"worker-1","type":"normal"}')).toThrow(/no pktType/);
    expect(() => parseGadgetLine(TO_OTHER.replace('"proto":"tcp"', '"proto":"icmp"'))).toThrow(BadFlowLine);
    expect(() => parseGadgetLine(TO_OTHER.replace('"namespace":"shop",', ''))).toThrow(/names no pod/);
    expect(() => parseGadgetLine(TO_OTHER.replace(',"remoteAddr":"203.0.113.10"', ''))).toThrow(/no address/);
  });
});
