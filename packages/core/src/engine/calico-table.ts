/**
 * Calico in the fast engine (EvalOptions.cni `calico`). Two halves:
 *
 * - buildCalicoTable (here, with the policy table): Calico's selectors parsed, every address Calico
 *   can name (nets, notNets, network sets, host endpoints) registered as a block so external
 *   groups and pod classes respect it, rule ports interned as port specs, and the per-pod
 *   predicates (subjects, the pod parts of rule selectors) that pod classes must tell apart.
 * - calicoWalk (calico-walk.ts, with the peer sets): every policy of every kind placed in Calico's tiers as
 *   bitsets over nodes — Calico's own policies, Kubernetes NetworkPolicies (default tier, order
 *   1000), the Admin kinds (kube-admin, by priority) and the Baseline kinds (kube-baseline) — the
 *   ordered form connection-check.ts and destination-groups.ts walk.
 *
 * The semantics are those of reference/calico.ts; the differential test holds the two together.
 */
import { ipBlockRanges } from './ip-atoms.js';
import { InputError } from '../model/errors.js';
import { calicoSelector, matchesCalicoSelector, type CalicoScope, type CalicoSelector } from '../semantics/calico-selector.js';
import { tryParseIp, type IpAddress, type IpRange } from '../semantics/ip.js';
import {
  CALICO_BUILTIN_TIERS,
  calicoPolicyId,
  calicoPolicyTypes,
  type CalicoEntityRule,
  type CalicoPolicy,
  type CalicoPort,
  type Cluster,
  type Labels,
  type Pod,
  type Protocol,
} from '../model/model.js';

/** A port entry as the policy table interns it (policy-table.ts PortEntry). */
interface PortEntry {
  readonly protocol: Protocol | null;
  readonly port?: number | string;
  readonly endPort?: number;
}

/** 0: no, 1: maybe, 2: yes. */
type Tri = 0 | 1 | 2;

interface Scope {
  readonly nsSel?: CalicoSelector;
  /** The policy's namespace (NetworkPolicy) or undefined (GlobalNetworkPolicy: every endpoint). */
  readonly policyNs?: string;
}

/** A rule's selector: the pod predicate it is, and the labelled address sets it selects. */
interface EntitySelector {
  readonly pod: number;
  readonly sets: readonly { readonly ranges: readonly IpRange[]; readonly domains: boolean }[];
  readonly heps: readonly { readonly ranges: readonly IpRange[] }[];
}

interface CompiledEntity {
  readonly nets?: readonly IpRange[];
  readonly notNets?: readonly IpRange[];
  readonly selector?: EntitySelector;
  readonly notSelector?: EntitySelector;
  /** The pod predicate of `serviceAccounts`. */
  readonly sa?: number;
  readonly scope: Scope;
}

interface ServiceAccountMatch {
  readonly names?: readonly string[];
  readonly selector?: CalicoSelector;
}

export interface CompiledCalicoRule {
  readonly action: 'Allow' | 'Deny' | 'Pass';
  /** Entity ids: the peer's side and the subject's own side of the rule. */
  readonly peer: number;
  readonly local: number;
  readonly ports: number;
  /** Port spec removed from `ports` (destination.notPorts), or -1. */
  readonly notPorts: number;
  readonly unknown: boolean;
  /** Position in the policy's rule list (Log rules count). */
  readonly index: number;
}

export interface CompiledCalicoPolicy {
  readonly source: CalicoPolicy;
  readonly id: string;
  readonly ingress: readonly CompiledCalicoRule[] | null;
  readonly egress: readonly CompiledCalicoRule[] | null;
}

export interface CalicoTable {
  readonly tiers: readonly { readonly name: string; readonly order: number; readonly end: 'Deny' | 'Pass' }[];
  readonly policies: readonly CompiledCalicoPolicy[];
  /** What the pod predicates are: equal keys, equal partitions (a recompile may keep its classes). */
  readonly predicatesKey: string;
  /**
   * Per pod: the answers of every pod predicate, as a small number (0 when there are no
   * predicates; pods with different numbers never share a class). Equal answers, equal numbers.
   */
  podAnswer(pod: Pod, index?: number): number;
  /**
   * Per pod: the number of its answers (as podAnswer, also without predicates), for answers().
   * With the pod's index in the cluster, what podAnswer found for it is read back.
   */
  answerOf(pod: Pod, index?: number): number;
  /** The answers numbered `id` (answerOf): per pod predicate, 1 where it holds. */
  answers(id: number): Uint8Array;
  /** The pod predicate of a policy's subject: the policy selects the pods where it holds. */
  subjectPredicate(policy: number): number;
  /**
   * An entity that reads no address (no nets, notNets, network sets or host endpoints), as the pod
   * predicates it ANDs (absent: not read): it matches a pod when `sa` and `selector` hold and
   * `notSelector` does not, and an address when it has neither `sa` nor `selector`. Undefined for
   * an entity that reads addresses (ask entityMatch).
   */
  entityPods(entity: number): { readonly sa?: number; readonly selector?: number; readonly notSelector?: number } | undefined;
  /** Some rule may match where the manifests cannot say (a domain network set, a source port): possible() differs. */
  readonly mayBeUnknown: boolean;
  /** The entity's match on a pod (its answers and addresses) or on an address (answers undefined). */
  entityMatch(entity: number, answers: Uint8Array | undefined, addresses: readonly IpAddress[]): Tri;
}

/** What the policy table lends this stage: interning of port specs and address blocks. */
export interface CalicoTableApi {
  internPortSpec(entries: PortEntry[]): number;
  /** Per pod (by index in the cluster): its namespace's number, one per namespace name. */
  readonly podNamespace?: Int32Array;
  addBlock(ranges: IpRange[]): void;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, ICMP: 1, ICMPv6: 58, SCTP: 132, UDPLite: 136 };
const num = (p: string | number) => (typeof p === 'number' ? p : PROTOCOL_NUMBERS[p]!);

export function buildCalicoTable(cluster: Cluster, api: CalicoTableApi): CalicoTable {
  const calico = cluster.calico;
  const nsLabelsByName = new Map(cluster.namespaces.map((n) => [n.name, n.labels]));
  const nsLabels = (ns: string): Labels => nsLabelsByName.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  const saLabels = new Map((cluster.serviceAccounts ?? []).map((s) => [`${s.namespace}/${s.name}`, s.labels ?? {}]));

  const rangesOf = (cidrs: readonly string[], field: string): IpRange[] =>
    cidrs.flatMap((cidr, i) => {
      try {
        return ipBlockRanges({ cidr });
      } catch {
        throw new InputError(`invalid CIDR "${cidr}"`, { field: `${field}[${i}]` });
      }
    });
  const addressRange = (ip: string): IpRange => {
    const a = tryParseIp(ip);
    if (!a) throw new InputError(`invalid IP address "${ip}"`);
    return { family: a.family, start: a.value, end: a.value };
  };

  // Network sets and host endpoints: labelled address sets rule selectors match.
  const sets = (calico?.networkSets ?? []).map((s) => {
    const ranges = rangesOf(s.nets, 'spec.nets');
    if (ranges.length > 0) api.addBlock(ranges);
    return { namespace: s.namespace, labels: s.labels, ranges, domains: (s.allowedEgressDomains ?? []).length > 0 };
  });
  const heps = (calico?.hostEndpoints ?? []).map((h) => {
    const ranges = h.expectedIPs.map(addressRange);
    if (ranges.length > 0) api.addBlock(ranges);
    return { labels: h.labels, ranges };
  });

  // --- Pod predicates: what classes must tell apart -------------------------------------------
  // Each holds for a pod that is not host-networked, in its scope's namespaces, passing its test,
  // which reads the endpoint labels `keys` and, with `sa`, the pod's service account.
  interface Predicate {
    readonly scope: Scope;
    readonly test: (pod: Pod, endpoint: CalicoScope) => boolean;
    readonly keys: readonly string[];
    readonly sa: boolean;
  }
  const predicates: Predicate[] = [];
  const predicateIds = new Map<string, number>();
  const predicate = (key: string, p: Predicate): number => {
    let id = predicateIds.get(key);
    if (id === undefined) {
      predicateIds.set(key, (id = predicates.length));
      predicates.push(p);
    }
    return id;
  };
  /** The endpoint label keys a selector reads. */
  const keysOf = (sel: CalicoSelector, into: string[] = []): string[] => {
    switch (sel.op) {
      case 'all':
      case 'global':
        return into;
      case '!':
        return keysOf(sel.expr, into);
      case '&&':
      case '||':
        keysOf(sel.left, into);
        return keysOf(sel.right, into);
      default:
        if (!into.includes(sel.key)) into.push(sel.key);
        return into;
    }
  };

  const saOf = (pod: Pod) => pod.serviceAccountName ?? 'default';
  const saLabelCache = new Map<string, Labels>();
  const serviceAccountLabels = (pod: Pod): Labels => {
    const k = `${pod.namespace}/${saOf(pod)}`;
    let l = saLabelCache.get(k);
    if (!l) saLabelCache.set(k, (l = { ...(saLabels.get(k) ?? {}), 'projectcalico.org/name': saOf(pod) }));
    return l;
  };
  /**
   * The labels of a pod's workload endpoint (see reference/calico.ts endpointLabels), restricted
   * to `keys`, those the predicates evaluated on it read: the others decide nothing.
   */
  const endpointScope = (pod: Pod, keys: readonly string[]): { labels: Labels; global: false } => {
    const out: Record<string, string> = {};
    const own = (o: Labels, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    for (const k of keys) {
      if (k === 'projectcalico.org/namespace') out[k] = pod.namespace;
      else if (k === 'projectcalico.org/orchestrator') out[k] = 'k8s';
      else if (k === 'projectcalico.org/serviceaccount') out[k] = saOf(pod);
      else if (own(pod.labels, k)) out[k] = pod.labels[k]!;
      else if (k.startsWith('pcsa.') && k !== 'pcsa.projectcalico.org/name' && own(serviceAccountLabels(pod), k.slice(5))) out[k] = serviceAccountLabels(pod)[k.slice(5)]!;
      else if (k.startsWith('pcns.') && own(nsLabels(pod.namespace), k.slice(5))) out[k] = nsLabels(pod.namespace)[k.slice(5)]!;
    }
    return { labels: out, global: false };
  };
  // A namespace selector's answer per namespace, once (parsed selectors are shared by text).
  const nsAnswers = new WeakMap<CalicoSelector, Map<string, boolean>>();
  const nsScopes = new Map<string, CalicoScope>();
  const nsSelected = (sel: CalicoSelector, ns: string) => {
    let answers = nsAnswers.get(sel);
    if (!answers) nsAnswers.set(sel, (answers = new Map()));
    let a = answers.get(ns);
    if (a === undefined) {
      let scope = nsScopes.get(ns);
      if (!scope) nsScopes.set(ns, (scope = { labels: { ...nsLabels(ns), 'projectcalico.org/name': ns }, global: false }));
      answers.set(ns, (a = matchesCalicoSelector(sel, scope)));
    }
    return a;
  };
  const inScope = (scope: Scope, ns: string | undefined): boolean => {
    if (scope.nsSel) return ns === undefined ? matchesCalicoSelector(scope.nsSel, { labels: {}, global: true }) : nsSelected(scope.nsSel, ns);
    return scope.policyNs === undefined || ns === scope.policyNs;
  };
  const saSelected = (sa: ServiceAccountMatch, pod: Pod) =>
    (sa.names === undefined || sa.names.length === 0 || sa.names.includes(saOf(pod))) &&
    (sa.selector === undefined || matchesCalicoSelector(sa.selector, { labels: serviceAccountLabels(pod), global: false }));

  const scopeKey = (s: Scope) => `${s.nsSel ? JSON.stringify(s.nsSel) : '-'}|${s.policyNs ?? '*'}`;
  /** The pod predicate "the selector selects the pod in this scope". */
  const selectorPredicate = (sel: CalicoSelector, scope: Scope): number => {
    return predicate(`s:${scopeKey(scope)}:${JSON.stringify(sel)}`, { scope, test: (_pod, endpoint) => matchesCalicoSelector(sel, endpoint), keys: keysOf(sel), sa: false });
  };

  // --- Entities ------------------------------------------------------------------------------
  const entities: CompiledEntity[] = [];
  const entityIds = new Map<string, number>();
  const entity = (e: CalicoEntityRule, policy: CalicoPolicy, field: string): number => {
    // Equal entities in equal scopes are one entity: rules repeat `{}` and a few selectors.
    const { ports: _p, notPorts: _n, ...matching } = e;
    const hasSelectors = e.selector !== undefined || e.notSelector !== undefined || e.namespaceSelector !== undefined || e.serviceAccounts !== undefined;
    const id = `${hasSelectors && policy.kind === 'NetworkPolicy' ? policy.namespace : '*'}|${JSON.stringify(matching)}`;
    const known = entityIds.get(id);
    if (known !== undefined) return known;
    const scope: Scope = {
      ...(e.namespaceSelector !== undefined ? { nsSel: calicoSelector(e.namespaceSelector) } : {}),
      ...(policy.kind === 'NetworkPolicy' ? { policyNs: policy.namespace } : {}),
    };
    const selectorText = e.selector ?? (e.namespaceSelector !== undefined ? 'all()' : undefined);
    const selector = selectorText !== undefined ? calicoSelector(selectorText) : undefined;
    const notSelector = e.notSelector !== undefined ? calicoSelector(e.notSelector) : undefined;
    const sa: ServiceAccountMatch | undefined =
      e.serviceAccounts !== undefined
        ? {
            ...(e.serviceAccounts.names ? { names: e.serviceAccounts.names } : {}),
            ...(e.serviceAccounts.selector !== undefined ? { selector: calicoSelector(e.serviceAccounts.selector) } : {}),
          }
        : undefined;
    const c: CompiledEntity = {
      scope,
      ...(e.nets !== undefined ? { nets: rangesOf(e.nets, `${field}.nets`) } : {}),
      ...(e.notNets !== undefined ? { notNets: rangesOf(e.notNets, `${field}.notNets`) } : {}),
      ...(selector ? { selector: selectorOf(selector, scope) } : {}),
      ...(notSelector ? { notSelector: selectorOf(notSelector, scope) } : {}),
      ...(sa ? { sa: predicate(`a:${scopeKey(scope)}:${JSON.stringify(sa)}`, { scope, test: (pod) => saSelected(sa, pod), keys: [], sa: true }) } : {}),
    };
    for (const r of [c.nets, c.notNets]) if (r && r.length > 0) api.addBlock([...r]);
    entityIds.set(id, entities.length);
    entities.push(c);
    return entities.length - 1;
  };

  const inRanges = (ranges: readonly IpRange[], addresses: readonly IpAddress[]): boolean => {
    for (const a of addresses) for (const r of ranges) if (r.family === a.family && a.value >= r.start && a.value <= r.end) return true;
    return false;
  };
  /** A rule selector: its pod predicate, and the network sets and host endpoints it selects (once, not per address). */
  function selectorOf(sel: CalicoSelector, scope: Scope): EntitySelector {
    return {
      pod: selectorPredicate(sel, scope),
      sets: sets.filter((s) => inScope(scope, s.namespace) && matchesCalicoSelector(sel, { labels: s.labels, global: s.namespace === undefined })),
      heps: inScope(scope, undefined) ? heps.filter((h) => matchesCalicoSelector(sel, { labels: h.labels, global: true })) : [],
    };
  }
  const selectedTri = (sel: EntitySelector, answers: Uint8Array | undefined, addresses: readonly IpAddress[]): Tri => {
    if (answers?.[sel.pod] === 1) return 2;
    let out: Tri = 0;
    for (const s of sel.sets) {
      if (inRanges(s.ranges, addresses)) return 2;
      if (s.domains && !answers) out = 1;
    }
    for (const h of sel.heps) if (inRanges(h.ranges, addresses)) return 2;
    return out;
  };
  const entityMatch = (id: number, answers: Uint8Array | undefined, addresses: readonly IpAddress[]): Tri => {
    const e = entities[id]!;
    if (e.nets && !inRanges(e.nets, addresses)) return 0;
    if (e.notNets && inRanges(e.notNets, addresses)) return 0;
    // The fields AND'ed: the least of their answers.
    let out: Tri = 2;
    if (e.sa !== undefined && answers?.[e.sa] !== 1) return 0;
    if (e.selector) out = selectedTri(e.selector, answers, addresses);
    if (e.notSelector && out > 0) out = Math.min(out, 2 - selectedTri(e.notSelector, answers, addresses)) as Tri;
    return out;
  };

  // --- Ports ---------------------------------------------------------------------------------
  const portSpec = (protocols: readonly Protocol[], ports: readonly CalicoPort[] | undefined): number => {
    const entries: PortEntry[] = [];
    for (const protocol of protocols) {
      if (ports === undefined) entries.push({ protocol });
      else {
        for (const p of ports) {
          if ('name' in p) entries.push({ protocol, port: p.name });
          else if (p.last >= 1) entries.push({ protocol, port: Math.max(1, p.first), endPort: p.last });
        }
      }
    }
    return api.internPortSpec(entries);
  };

  // --- Policies ------------------------------------------------------------------------------
  const subjectOf: number[] = [];
  const policies: CompiledCalicoPolicy[] = (calico?.policies ?? []).map((p) => {
    const id = calicoPolicyId(p);
    const object = p.kind === 'GlobalNetworkPolicy' ? `GlobalNetworkPolicy ${p.name}` : `NetworkPolicy ${p.namespace}/${p.name}`;
    const types = calicoPolicyTypes(p);
    const subjectScope: Scope = {
      ...(p.namespaceSelector !== undefined ? { nsSel: calicoSelector(p.namespaceSelector) } : {}),
      ...(p.kind === 'NetworkPolicy' ? { policyNs: p.namespace } : {}),
    };
    const sel = calicoSelector(p.selector ?? '');
    const saSel = p.serviceAccountSelector !== undefined ? calicoSelector(p.serviceAccountSelector) : undefined;
    // Keyed by what it selects, not by name: an edited selector is a different predicate.
    const subjectKey = `p:${p.kind === 'NetworkPolicy' ? p.namespace : '*'}|${p.selector ?? ''}|${p.namespaceSelector ?? ''}|${p.serviceAccountSelector ?? ''}`;
    subjectOf.push(
      predicate(subjectKey, {
        scope: subjectScope,
        test: (pod, endpoint) => matchesCalicoSelector(sel, endpoint) && (saSel === undefined || matchesCalicoSelector(saSel, { labels: serviceAccountLabels(pod), global: false })),
        keys: keysOf(sel),
        sa: saSel !== undefined,
      }),
    );
    const rules = (direction: 'ingress' | 'egress'): CompiledCalicoRule[] => {
      const out: CompiledCalicoRule[] = [];
      p[direction].forEach((r, index) => {
        const field = `spec.${direction}[${index}]`;
        try {
          const src = entity(r.source, p, `${field}.source`);
          const dst = entity(r.destination, p, `${field}.destination`);
          if (r.action === 'Log') return;
          const protocols = (['TCP', 'UDP', 'SCTP'] as const).filter(
            (pr) => (r.protocol === undefined || num(r.protocol) === num(pr)) && (r.notProtocol === undefined || num(r.notProtocol) !== num(pr)),
          );
          out.push({
            action: r.action,
            peer: direction === 'ingress' ? src : dst,
            local: direction === 'ingress' ? dst : src,
            ports: portSpec(protocols, r.destination.ports),
            notPorts: r.destination.notPorts ? portSpec(protocols, r.destination.notPorts) : -1,
            unknown: r.unknown !== undefined,
            index,
          });
        } catch (e) {
          if (e instanceof InputError && !e.location.object) throw new InputError(e.detail, { object, field: e.location.field ?? field });
          throw e;
        }
      });
      return out;
    };
    return {
      source: p,
      id,
      ingress: types.includes('Ingress') ? rules('ingress') : null,
      egress: types.includes('Egress') ? rules('egress') : null,
    };
  });

  const tiers = [...CALICO_BUILTIN_TIERS.filter((b) => !(calico?.tiers ?? []).some((t) => t.name === b.name)), ...(calico?.tiers ?? [])]
    .map((t) => ({ name: t.name, order: t.order ?? Infinity, end: t.defaultAction ?? ('Deny' as const) }))
    .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // A pod's answers depend on its namespace, host networking, and what the predicates in scope
  // there read: some labels, maybe its service account. Per namespace, those predicates and what
  // they read are worked out once; pods alike in them share one evaluation (a trie over the
  // values read: no key string per pod). Where nothing is read (the predicates there select
  // whole namespaces, as namespaceSelector rules do), the namespace has one answer.
  const answerIds = new Map<string, number>();
  const answerSets: Uint8Array[] = [];
  /** The id of the answers that hold, listed by number ascending. */
  const internAnswers = (holding: readonly number[]): number => {
    const text = holding.join(',');
    let id = answerIds.get(text);
    if (id === undefined) {
      const answers = new Uint8Array(predicates.length);
      for (const i of holding) answers[i] = 1;
      answerIds.set(text, (id = answerSets.length));
      answerSets.push(answers);
    }
    return id;
  };
  type Trie = Map<string | undefined, Trie | number>;
  interface NamespaceAnswers {
    /** The predicates whose scope takes the namespace in, ascending. */
    readonly preds: readonly number[];
    /** Every endpoint label key they read (for endpointScope). */
    readonly keys: readonly string[];
    /** Pod labels read, one trie level each (after the service account, when read). */
    readonly levels: readonly string[];
    readonly sa: boolean;
    readonly trie: Trie;
    /** The answer when nothing varies per pod (-1: not yet worked out, or it varies). */
    constant: number;
  }
  const byNamespace = new Map<string, NamespaceAnswers>();
  // The predicates by scope: in every namespace, in a policy's own, or where a namespace
  // selector selects (asked once per selector and namespace, not per predicate).
  let scopes: { readonly everywhere: number[]; readonly own: Map<string, number[]>; readonly selected: Map<CalicoSelector, number[]> } | undefined;
  const namespaceAnswers = (ns: string): NamespaceAnswers => {
    let a = byNamespace.get(ns);
    if (!a) {
      if (!scopes) {
        scopes = { everywhere: [], own: new Map(), selected: new Map() };
        for (let i = 0; i < predicates.length; i++) {
          const { nsSel, policyNs } = predicates[i]!.scope;
          let list: number[] | undefined;
          if (nsSel) {
            list = scopes.selected.get(nsSel);
            if (!list) scopes.selected.set(nsSel, (list = []));
          } else if (policyNs !== undefined) {
            list = scopes.own.get(policyNs);
            if (!list) scopes.own.set(policyNs, (list = []));
          } else list = scopes.everywhere;
          list.push(i);
        }
      }
      const preds: number[] = [...scopes.everywhere, ...(scopes.own.get(ns) ?? [])];
      for (const [sel, list] of scopes.selected) if (nsSelected(sel, ns)) preds.push(...list);
      preds.sort((x, y) => x - y);
      const keys: string[] = [];
      let sa = false;
      for (const i of preds) {
        const p = predicates[i]!;
        if (p.sa) sa = true;
        for (const k of p.keys) if (!keys.includes(k)) keys.push(k);
      }
      keys.sort();
      // The namespace and orchestrator keys are the same for every pod of the namespace; a
      // service account key reads the account (a pod label of that name is shadowed), and a
      // `pcsa.` key reads the pod's label or else the account's.
      const levels = keys.filter((k) => k !== 'projectcalico.org/namespace' && k !== 'projectcalico.org/orchestrator' && k !== 'projectcalico.org/serviceaccount');
      if (keys.some((k) => k === 'projectcalico.org/serviceaccount' || k.startsWith('pcsa.'))) sa = true;
      byNamespace.set(ns, (a = { preds, keys, levels, sa, trie: new Map(), constant: -1 }));
    }
    return a;
  };
  const evaluate = (pod: Pod, a: NamespaceAnswers): number => {
    const endpoint = endpointScope(pod, a.keys);
    const holding: number[] = [];
    for (const i of a.preds) if (predicates[i]!.test(pod, endpoint)) holding.push(i);
    return internAnswers(holding);
  };
  let hostId = -1;
  /** What podAnswer found per pod index (-1: not asked). */
  let byIndex: Int32Array | undefined;
  // The last pod's namespace, values and answer: replicas come one after another and read
  // alike, so a pod whose values all equal the last one's takes its answer without the trie.
  let lastNs: string | undefined;
  let lastNsAnswers: NamespaceAnswers | undefined;
  const values: (string | undefined)[] = [];
  const lastValues: (string | undefined)[] = [];
  let lastId = -1;
  // With a pod's index, its namespace's number (the policy table's) finds them without a string.
  const byNsIndex: (NamespaceAnswers | undefined)[] = [];
  const answerId = (pod: Pod, index?: number): number => {
    // The predicates that hold, by number: a host-networked pod has none.
    if (pod.hostNetwork) return hostId >= 0 ? hostId : (hostId = internAnswers([]));
    let a = lastNsAnswers;
    const ns = index !== undefined && api.podNamespace !== undefined ? api.podNamespace[index]! : -1;
    if (ns >= 0 ? a !== byNsIndex[ns] || a === undefined : pod.namespace !== lastNs) {
      a = ns >= 0 ? (byNsIndex[ns] ??= namespaceAnswers(pod.namespace)) : namespaceAnswers(pod.namespace);
      lastNs = pod.namespace;
      lastNsAnswers = a;
      lastId = -1;
    }
    const levels = a!.levels;
    if (levels.length === 0 && !a!.sa) return a!.constant >= 0 ? a!.constant : (a!.constant = evaluate(pod, a!));
    const n = levels.length + 1;
    values[0] = a!.sa ? saOf(pod) : undefined;
    const labels = pod.labels;
    for (let l = 0; l < levels.length; l++) values[l + 1] = Object.prototype.hasOwnProperty.call(labels, levels[l]!) ? labels[levels[l]!] : undefined;
    let same = lastId >= 0;
    for (let l = 0; l < n && same; l++) if (values[l] !== lastValues[l]) same = false;
    if (same) return lastId;
    let node = a!.trie;
    for (let l = 0; l < n - 1; l++) {
      const v = values[l];
      let next = node.get(v) as Trie | undefined;
      if (!next) node.set(v, (next = new Map()));
      node = next;
    }
    let id = node.get(values[n - 1]) as number | undefined;
    if (id === undefined) node.set(values[n - 1], (id = evaluate(pod, a!)));
    for (let l = 0; l < n; l++) lastValues[l] = values[l];
    lastId = id;
    return id;
  };

  return {
    tiers,
    policies,
    podAnswer: (pod, index) => {
      if (predicates.length === 0) return 0;
      const id = answerId(pod, index);
      if (index !== undefined) (byIndex ??= new Int32Array(cluster.pods.length).fill(-1))[index] = id;
      return id;
    },
    predicatesKey: [...predicateIds.keys()].join('\n'),
    mayBeUnknown: sets.some((s) => s.domains) || policies.some((p) => [...(p.ingress ?? []), ...(p.egress ?? [])].some((r) => r.unknown)),
    entityMatch,
    answerOf: (pod, index) => {
      const known = index !== undefined && byIndex !== undefined && cluster.pods[index] === pod ? byIndex[index]! : -1;
      return known >= 0 ? known : answerId(pod);
    },
    answers: (id) => answerSets[id]!,
    subjectPredicate: (i) => subjectOf[i]!,
    entityPods: (id) => {
      const e = entities[id]!;
      const pure = (sel: EntitySelector | undefined) => sel === undefined || (sel.sets.length === 0 && sel.heps.length === 0);
      if (e.nets || e.notNets || !pure(e.selector) || !pure(e.notSelector)) return undefined;
      return {
        ...(e.sa !== undefined ? { sa: e.sa } : {}),
        ...(e.selector ? { selector: e.selector.pod } : {}),
        ...(e.notSelector ? { notSelector: e.notSelector.pod } : {}),
      };
    },
  };
}
