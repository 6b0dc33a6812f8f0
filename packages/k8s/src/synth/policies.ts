/**
 * The NetworkPolicies a namespace's owners would write, most important first, and the extra
 * cross-namespace rules that fill a larger policy budget.
 */
import type { Rng } from './rng.js';
import type { NamespaceSpec, Obj, PortSpec } from './vocabulary.js';

export function networkPolicy(namespace: string, name: string, spec: Obj): Obj {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** How a rule names an app's main port: by name or by number, as people write both. */
export function portRef(rng: Rng, p: PortSpec): Obj {
  if (rng.chance(0.5)) return { port: p.name, ...(p.protocol ? { protocol: p.protocol } : {}) };
  // protocol omitted half the time: the API defaults it to TCP.
  return { ...(p.protocol || rng.chance(0.5) ? { protocol: p.protocol ?? 'TCP' } : {}), port: p.containerPort };
}

/** Egress destinations outside the cluster, all from documentation ranges except the catch-all. */
export function externalRule(rng: Rng): Obj {
  switch (rng.int(0, 3)) {
    case 0:
      return {
        to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      };
    case 1:
      // Internet egress that keeps the cluster and the cloud metadata service out.
      return {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.169.254/32'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      };
    case 2:
      return {
        to: [{ ipBlock: { cidr: '198.51.100.0/24', except: ['198.51.100.0/28'] } }],
        ports: [{ protocol: 'TCP', port: 8000, endPort: 8099 }],
      };
    default:
      return {
        to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:ffff::/48'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      };
  }
}

/** The policies a namespace's owners would write, most important first. */
export function namespacePolicies(rng: Rng, ns: NamespaceSpec, all: readonly NamespaceSpec[], ingressNs: string, maxPodOctet: number): Obj[] {
  const out: Obj[] = [];
  const name = ns.name;
  if (ns.ingressIsolated) {
    const types = ns.egressIsolated ? ['Ingress', 'Egress'] : ['Ingress'];
    // Now and then one app is exempted from the baseline "until it is fixed": a NotIn selector.
    const exempt = ns.apps.length > 2 && rng.chance(0.1) ? rng.pick(ns.apps).name : undefined;
    const podSelector = exempt ? { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [exempt] }] } : {};
    out.push(networkPolicy(name, ns.egressIsolated ? 'default-deny' : 'default-deny-ingress', { podSelector, policyTypes: types }));
  }
  if (ns.egressIsolated) {
    out.push(
      networkPolicy(name, 'allow-dns-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      }),
    );
  }
  if (ns.egressIsolated && rng.chance(0.4)) {
    // Namespace-wide egress to partner APIs and the internet (ipBlock with except) comes right
    // after DNS in real baselines, so even a tight policy budget exercises ipBlocks.
    out.push(
      networkPolicy(name, 'allow-external-egress', {
        podSelector: { matchLabels: { tier: 'backend' } },
        policyTypes: ['Egress'],
        egress: [externalRule(rng)],
      }),
    );
  }
  if (ns.apps.some((a) => a.tier === 'frontend')) {
    out.push(
      networkPolicy(name, 'allow-ingress-controller', {
        podSelector: { matchLabels: { tier: 'frontend' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ingressNs } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
              },
            ],
            ports: [{ port: 'http' }],
          },
        ],
      }),
    );
  }
  if (ns.ingressIsolated && ns.exposure !== 'Ingress' && ns.apps.some((a) => a.tier === 'frontend')) {
    // Its own load balancer (externalTrafficPolicy: Local keeps client addresses) or a
    // NodePort: clients arrive from outside the cluster, so their addresses must be admitted.
    out.push(
      networkPolicy(name, 'allow-external-http', {
        podSelector: { matchLabels: { tier: 'frontend' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 'http' }] }],
      }),
    );
  }
  if (ns.ingressIsolated) {
    // Scrapers run in the platform and SRE teams' namespaces; apps export on 9090, exporters in
    // 9100-9199 (a port range), and anything with an app label is scraped.
    out.push(
      networkPolicy(name, 'allow-metrics-scrape', {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['platform', 'sre'] }] } }],
            ports: [{ protocol: 'TCP', port: 9090, endPort: 9199 }],
          },
        ],
      }),
    );
  }

  for (const app of ns.apps) {
    const main = app.ports[0]!;
    if (app.tier !== 'frontend') {
      const from: Obj[] = [];
      if (app.tier === 'data' && rng.chance(0.3)) from.push({ podSelector: { matchLabels: { tier: 'backend' } } });
      else if (app.callers.length > 1 && rng.chance(0.4)) {
        from.push({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: app.callers.map((c) => c.name) }] } });
      } else for (const c of app.callers) from.push({ podSelector: { matchLabels: { app: c.name } } });
      if (app.tier === 'backend' && rng.chance(0.15)) {
        // Another team's backends call this one: both selectors in one peer (AND).
        from.push({ namespaceSelector: { matchLabels: { team: rng.pick(all).team } }, podSelector: { matchLabels: { tier: 'backend' } } });
      }
      if (app.tier === 'backend' && rng.chance(0.05)) {
        from.push({
          namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
          podSelector: { matchLabels: { app: app.name } },
        });
      }
      if (app.tier === 'data' && rng.chance(0.1)) {
        // A "legacy VM subnet" that in fact overlaps the pod network: ipBlock peers match pods.
        const octet = rng.int(0, maxPodOctet);
        from.push({ ipBlock: { cidr: `10.${octet}.0.0/16`, except: [`10.${octet}.0.0/24`] } });
      }
      const ports =
        app.store?.name === 'elasticsearch'
          ? [{ protocol: 'TCP', port: 9200, endPort: 9300 }]
          : [portRef(rng, main)];
      out.push(networkPolicy(name, `${app.name}-ingress`, { podSelector: { matchLabels: { app: app.name } }, policyTypes: ['Ingress'], ingress: [{ from, ports }] }));
    }
    if (ns.egressIsolated) {
      const egress: Obj[] = app.callees.map((c) => ({ to: [{ podSelector: { matchLabels: { app: c.name } } }], ports: [portRef(rng, c.ports[0]!)] }));
      if (app.tier === 'backend' && rng.chance(0.1)) {
        egress.push({
          to: [{ namespaceSelector: { matchLabels: { team: rng.pick(all).team } }, podSelector: { matchLabels: { tier: 'backend' } } }],
          ports: [{ port: 'grpc' }],
        });
      }
      if (app.tier !== 'frontend' && rng.chance(0.15)) egress.push(externalRule(rng));
      if (egress.length > 0) {
        out.push(networkPolicy(name, `${app.name}-egress`, { podSelector: { matchLabels: { app: app.name } }, policyTypes: ['Egress'], egress }));
      }
    }
  }
  return out;
}

/** Beyond what the call graph suggests: more cross-namespace allow rules on port ranges. */
export function extraPolicy(rng: Rng, ns: NamespaceSpec, all: readonly NamespaceSpec[], k: number): Obj {
  const target = ns.apps.length > 0 ? { matchLabels: { app: rng.pick(ns.apps).name } } : {};
  const peer = rng.pick(all).name;
  const port = rng.int(1024, 32000);
  return networkPolicy(ns.name, `allow-from-${peer}-${k}`, {
    podSelector: target,
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer } },
            podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] },
          },
        ],
        ports: [{ protocol: rng.chance(0.8) ? 'TCP' : 'UDP', port, endPort: port + rng.int(0, 100) }],
      },
    ],
  });
}
