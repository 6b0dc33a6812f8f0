/**
 * What a synthetic cluster is made of: the teams, environments, app and data-store names real
 * clusters use, and the plan's types (namespaces, apps, the ports they serve).
 */

export type Obj = Record<string, unknown>;
export type Tier = 'frontend' | 'backend' | 'data';
/** How a namespace's frontend is published outside the cluster. */
export type Exposure = 'Ingress' | 'LoadBalancer' | 'NodePort';

export interface PortSpec {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol?: 'UDP';
}

export interface NamespaceSpec {
  readonly name: string;
  readonly team: string;
  readonly env: string;
  readonly apps: AppSpec[];
  /** default-deny for ingress */
  readonly ingressIsolated: boolean;
  /** default-deny for egress too */
  readonly egressIsolated: boolean;
  readonly exposure: Exposure;
}

export interface AppSpec {
  readonly ns: NamespaceSpec;
  readonly name: string;
  readonly tier: Tier;
  readonly replicas: number;
  /** The port callers use; the first of `ports`. */
  readonly ports: readonly PortSpec[];
  readonly store?: DataStore;
  readonly callers: AppSpec[];
  readonly callees: AppSpec[];
}

export interface DataStore {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly PortSpec[];
  readonly exporterPort: number;
}

export const TEAMS = [
  'payments', 'checkout', 'search', 'identity', 'growth', 'platform', 'data', 'ml', 'ads',
  'media', 'messaging', 'billing', 'catalog', 'logistics', 'support', 'analytics', 'security',
  'sre', 'mobile', 'web',
];
export const ENVS = ['prod', 'prod', 'prod', 'staging', 'staging', 'dev'];
export const FRONTEND_NAMES = ['web', 'storefront', 'portal', 'gateway', 'ui', 'bff'];
export const BACKEND_NAMES = [
  'api', 'orders', 'billing', 'auth', 'search', 'catalog', 'inventory', 'payments', 'notifications',
  'users', 'reports', 'pricing', 'shipping', 'reviews', 'media', 'ledger', 'profile', 'sessions',
  'cart', 'checkout', 'recommendations', 'audit', 'scheduler', 'webhooks',
];
export const DATA_STORES: readonly DataStore[] = [
  { name: 'postgres', image: 'postgres:16.4', ports: [{ name: 'postgres', containerPort: 5432 }], exporterPort: 9187 },
  { name: 'redis', image: 'redis:7.2-alpine', ports: [{ name: 'redis', containerPort: 6379 }], exporterPort: 9121 },
  { name: 'kafka', image: 'apache/kafka:3.8.0', ports: [{ name: 'kafka', containerPort: 9092 }], exporterPort: 9308 },
  { name: 'mongodb', image: 'mongo:7.0', ports: [{ name: 'mongodb', containerPort: 27017 }], exporterPort: 9216 },
  {
    name: 'elasticsearch',
    image: 'elasticsearch:8.15.0',
    ports: [{ name: 'http', containerPort: 9200 }, { name: 'transport', containerPort: 9300 }],
    exporterPort: 9114,
  },
  { name: 'rabbitmq', image: 'rabbitmq:3.13', ports: [{ name: 'amqp', containerPort: 5672 }], exporterPort: 15692 },
];
/** Nodes are sized so that about this many pods share one (kubelet's default limit is 110). */
export const PODS_PER_NODE = 30;
export const CROWN_JEWEL_ANNOTATION = 'lateral.dev/crown-jewel';
