/**
 * A Kubernetes API server for tests: real HTTP on 127.0.0.1, speaking the parts of the API
 * Lateral uses — list with limit/continue pagination, watch as chunked JSON lines from a
 * resourceVersion, 410 Gone for compacted versions and expired continue tokens, 403 Status
 * bodies for RBAC refusals, 401 without the bearer token, discovery of the
 * policy.networking.k8s.io CRDs. It keeps its own table of resources (rather than importing
 * Lateral's) so a wrong group or plural in Lateral fails a test instead of agreeing with itself.
 */
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Custom resources keep kind and apiVersion on list items; built-in ones do not. */
  crd?: boolean;
}

const RESOURCES: ResourceDef[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'policy.networking.k8s.io', version: 'v1alpha2', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false, crd: true },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  { group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'adminnetworkpolicies', kind: 'AdminNetworkPolicy', namespaced: false, crd: true },
  {
    group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'baselineadminnetworkpolicies', kind: 'BaselineAdminNetworkPolicy',
    namespaced: false, crd: true,
  },
  { group: 'cilium.io', version: 'v2', plural: 'ciliumnetworkpolicies', kind: 'CiliumNetworkPolicy', namespaced: true, crd: true },
  { group: 'cilium.io', version: 'v2', plural: 'ciliumclusterwidenetworkpolicies', kind: 'CiliumClusterwideNetworkPolicy', namespaced: false, crd: true },
  { group: 'crd.projectcalico.org', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, crd: true },
  { group: 'crd.projectcalico.org', version: 'v1', plural: 'globalnetworkpolicies', kind: 'GlobalNetworkPolicy', namespaced: false, crd: true },
  { group: 'crd.projectcalico.org', version: 'v1', plural: 'tiers', kind: 'Tier', namespaced: false, crd: true },
  { group: 'crd.projectcalico.org', version: 'v1', plural: 'networksets', kind: 'NetworkSet', namespaced: true, crd: true },
  { group: 'crd.projectcalico.org', version: 'v1', plural: 'globalnetworksets', kind: 'GlobalNetworkSet', namespaced: false, crd: true },
  { group: 'crd.projectcalico.org', version: 'v1', plural: 'hostendpoints', kind: 'HostEndpoint', namespaced: false, crd: true },
  { group: 'crd.antrea.io', version: 'v1beta1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, crd: true },
  { group: 'crd.antrea.io', version: 'v1beta1', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy', namespaced: false, crd: true },
  { group: 'k8s.ovn.org', version: 'v1', plural: 'egressfirewalls', kind: 'EgressFirewall', namespaced: true, crd: true },
];

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

interface Stored {
  def: ResourceDef;
  obj: Obj;
}

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  def: ResourceDef;
  obj: Obj;
}

interface OpenWatch {
  def: ResourceDef;
  namespace: string | undefined;
  res: ServerResponse;
}

export interface KubeApiServerOptions {
  /** Objects to serve (parsed manifests); each needs kind and apiVersion. */
  objects: unknown[];
  /** The bearer token clients must send (401 otherwise). */
  token?: string;
  /** Most items per page, whatever limit the client asks for (API servers may return fewer). */
  maxPageSize?: number;
  /** Whether the network-policy-api CRDs are installed (discovery answers, else 404). */
  crds?: boolean;
}

export interface KubeApiServer {
  readonly url: string;
  readonly token: string;
  /** Every request, as `METHOD path?query`, in order. */
  readonly requests: string[];
  /** Refuse a resource (by plural) cluster-wide with 403, still allowing it in `allowIn` namespaces. */
  forbid(plural: string, opts?: { allowIn?: string[] }): void;
  /** Creates or replaces an object and tells open watches (ADDED / MODIFIED). */
  apply(obj: unknown): void;
  /** Deletes an object and tells open watches. */
  remove(kind: string, namespace: string | undefined, name: string): void;
  /** Forgets history up to now: watches from resourceVersions older than the current one get 410 Gone. */
  compact(): void;
  /** The next list request with a continue token gets 410 Gone (an expired token). */
  expireNextContinue(): void;
  /** Cuts every open watch connection mid-stream, as a dropped network would. */
  dropWatches(): void;
  /** How many watch connections are open now. */
  openWatches(): number;
  close(): Promise<void>;
}

export async function startKubeApiServer(options: KubeApiServerOptions): Promise<KubeApiServer> {
  const token = options.token ?? 'test-token';
  const requests: string[] = [];
  const store = new Map<string, Stored>();
  const history: WatchEvent[] = [];
  const watches = new Set<OpenWatch>();
  const forbidden = new Map<string, Set<string>>();
  let rv = 1000;
  let compactedAt = 0;
  let expireContinue = false;

  const defByKind = (kind: string, apiVersion: string): ResourceDef => {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const def = RESOURCES.find((r) => r.kind === kind && r.group === group);
    if (!def) throw new Error(`test API server does not serve ${kind} (${apiVersion})`);
    return def;
  };
  const keyOf = (def: ResourceDef, ns: string | undefined, name: string) => `${def.plural}.${def.group}/${ns ?? ''}/${name}`;

  const put = (raw: unknown, type: 'ADDED' | 'MODIFIED' | undefined): void => {
    const src = structuredClone(raw) as Obj;
    const def = defByKind(String(src.kind), String(src.apiVersion));
    const metadata = { ...src.metadata };
    // The API server defaults the namespace of namespaced objects and stamps every write.
    if (def.namespaced && !metadata.namespace) metadata.namespace = 'default';
    if (!def.namespaced) delete metadata.namespace;
    metadata.resourceVersion = String(++rv);
    const obj: Obj = { ...src, metadata };
    const key = keyOf(def, metadata.namespace as string | undefined, String(metadata.name));
    const existed = store.has(key);
    store.set(key, { def, obj });
    if (type !== undefined) publish({ rv, type: type === 'ADDED' && existed ? 'MODIFIED' : type, def, obj });
  };

  const publish = (ev: WatchEvent): void => {
    history.push(ev);
    for (const w of watches) {
      if (w.def === ev.def && (w.namespace === undefined || w.namespace === ev.obj.metadata.namespace)) writeEvent(w.res, ev);
    }
  };

  for (const o of options.objects) put(o, undefined);

  const app = express();
  const sockets = new Set<import('node:net').Socket>();

  app.use((req, res) => {
    requests.push(`${req.method} ${req.originalUrl}`);
    const status = (code: number, reason: string, message: string) =>
      res.status(code).json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    if (req.headers.authorization !== `Bearer ${token}`) return status(401, 'Unauthorized', 'Unauthorized');
    if (req.method !== 'GET') return status(405, 'MethodNotAllowed', 'this test server only reads');

    const path = req.path.replace(/\/+$/, '');
    // Discovery of the CRD-backed group.
    const disc = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (disc) {
      const defs = RESOURCES.filter((r) => r.group === disc[1] && r.version === disc[2]);
      if (defs.length === 0 || (defs.some((d) => d.crd) && !options.crds)) return status(404, 'NotFound', 'the server could not find the requested resource');
      return res.json({
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${disc[1]}/${disc[2]}`,
        resources: defs.map((d) => ({ name: d.plural, kind: d.kind, namespaced: d.namespaced, verbs: ['get', 'list', 'watch'] })),
      });
    }

    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(path);
    const group = m ? (m[1] ? '' : m[2]!) : '';
    const version = m ? (m[1] ?? m[3]!) : '';
    const def = m ? RESOURCES.find((r) => r.group === group && r.version === version && r.plural === m[5]) : undefined;
    if (!m || !def || (def.crd && !options.crds)) return status(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = m[4] !== undefined ? decodeURIComponent(m[4]) : undefined;
    const refused = forbidden.get(def.plural);
    if (refused && (namespace === undefined || !refused.has(namespace))) {
      const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
      return status(403, 'Forbidden', `${def.plural}${def.group ? '.' + def.group : ''} is forbidden: User "lateral" cannot list resource "${def.plural}" in API group "${def.group}" ${scope}`);
    }
    const inScope = [...store.values()]
      .filter((s) => s.def === def && (namespace === undefined || s.obj.metadata.namespace === namespace))
      .map((s) => s.obj)
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));

    if (req.query.watch === 'true' || req.query.watch === '1') {
      const from = Number(req.query.resourceVersion ?? rv);
      res.status(200).setHeader('Content-Type', 'application/json');
      res.flushHeaders();
      if (from < compactedAt) {
        // What a real API server does for a too-old resourceVersion: 200, then one ERROR event.
        res.write(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${compactedAt})`, reason: 'Expired', code: 410 } }) + '\n');
        return res.end();
      }
      const w: OpenWatch = { def, namespace, res };
      watches.add(w);
      res.on('close', () => watches.delete(w));
      for (const ev of history) {
        if (ev.rv > from && ev.def === def && (namespace === undefined || ev.obj.metadata.namespace === namespace)) writeEvent(res, ev);
      }
      return;
    }

    const limit = req.query.limit !== undefined ? Number(req.query.limit) : Infinity;
    const pageSize = Math.min(limit, options.maxPageSize ?? Infinity);
    let offset = 0;
    let listRv = rv;
    if (typeof req.query.continue === 'string' && req.query.continue !== '') {
      if (expireContinue) {
        expireContinue = false;
        return status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.');
      }
      const tok = JSON.parse(Buffer.from(req.query.continue, 'base64').toString('utf8')) as { offset: number; rv: number };
      offset = tok.offset;
      listRv = tok.rv;
    }
    const page = inScope.slice(offset, offset + pageSize);
    const next = offset + page.length < inScope.length ? Buffer.from(JSON.stringify({ offset: offset + page.length, rv: listRv })).toString('base64') : undefined;
    return res.json({
      kind: `${def.kind}List`,
      apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
      metadata: { resourceVersion: String(listRv), ...(next ? { continue: next } : {}) },
      items: page.map((o) => {
        if (def.crd) return o;
        const { kind: _k, apiVersion: _a, ...rest } = o;
        return rest;
      }),
    });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    forbid(plural, opts = {}) {
      forbidden.set(plural, new Set(opts.allowIn ?? []));
    },
    apply(obj) {
      put(obj, 'ADDED');
    },
    remove(kind, namespace, name) {
      const def = RESOURCES.find((r) => r.kind === kind);
      if (!def) throw new Error(`unknown kind ${kind}`);
      const key = keyOf(def, def.namespaced ? namespace : undefined, name);
      const s = store.get(key);
      if (!s) throw new Error(`no ${kind} ${namespace}/${name}`);
      store.delete(key);
      publish({ rv: ++rv, type: 'DELETED', def, obj: { ...s.obj, metadata: { ...s.obj.metadata, resourceVersion: String(rv) } } });
    },
    compact() {
      compactedAt = rv;
      history.length = 0;
    },
    expireNextContinue() {
      expireContinue = true;
    },
    dropWatches() {
      for (const w of watches) w.res.socket?.destroy();
      watches.clear();
    },
    openWatches: () => watches.size,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function writeEvent(res: ServerResponse, ev: WatchEvent): void {
  const object = ev.def.crd ? ev.obj : (({ kind: _k, apiVersion: _a, ...rest }) => rest)(ev.obj);
  // Watch events of built-in kinds do carry kind and apiVersion; we leave them out anyway, so
  // the client must not depend on them (list items never have them).
  res.write(JSON.stringify({ type: ev.type, object }) + '\n');
}

function sortKey(o: Obj): string {
  return `${String(o.metadata.namespace ?? '')}/${String(o.metadata.name)}`;
}
