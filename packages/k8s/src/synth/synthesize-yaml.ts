/**
 * A synthetic cluster as multi-document YAML, fast: pods of one controller are written from a
 * template with their name, uid, node and IP filled in.
 */
import yaml from 'js-yaml';
import type { SynthOptions } from './options.js';
import { synthesizeCluster } from './synthesize-cluster.js';
import type { Obj } from './vocabulary.js';

/** The same cluster as multi-document YAML, one document per object. */
export function synthesizeYaml(opts: SynthOptions): string {
  const pods = new PodYaml();
  return synthesizeCluster(opts)
    .map((o) => (o.kind === 'Pod' && pods.render(o)) || dump(o))
    .join('---\n');
}

function dump(o: Obj): string {
  // noRefs: shared sub-objects are written out in full, never as YAML anchors and aliases.
  // The core schema is how the manifest loader reads (no timestamps, no binary), and checking
  // each string against fewer implicit types is most of js-yaml's time.
  return yaml.dump(o, { noRefs: true, lineWidth: -1, schema: yaml.CORE_SCHEMA });
}

const TOKENS = { name: 'synthtokname', uid: 'synthtokuid', node: 'synthtoknode', ip: 'synthtokip' } as const;
type Slot = keyof typeof TOKENS;
const TOKEN_PATTERN = /(synthtok(?:name|uid|node|ip))/;
const SLOT_OF: Record<string, Slot> = Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [v, k as Slot]));
/** Values js-yaml writes as plain scalars, so that pasting them into a template gives its output. */
const PLAIN: Record<Slot, RegExp> = {
  name: /^[a-z][-a-z0-9]*$/,
  node: /^[a-z][-a-z0-9]*$/,
  uid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  ip: /^\d+\.\d+\.\d+\.\d+$/,
};

/**
 * js-yaml writes about 15 MB/s; at 100k pods dumping every Pod would take most of the run.
 * Pods of one ReplicaSet (or DaemonSet) differ only in name, uid, node and IP, and share their
 * labels object (and containers, volumes, annotations):
 * dump the first one with placeholders, then fill in the rest. Anything that does not fit
 * (a pod with its own labels, a value js-yaml would quote) is dumped normally.
 */
class PodYaml {
  private readonly templates = new WeakMap<object, { owner: unknown; containers: unknown; volumes: unknown; annotations: unknown; parts: string[] }>();

  render(pod: Obj): string | undefined {
    const meta = pod.metadata as Obj;
    const spec = pod.spec as Obj;
    const status = pod.status as Obj;
    const labels = meta.labels as object;
    if (!Object.isFrozen(labels)) return undefined;
    const values: Record<Slot, unknown> = { name: meta.name, uid: meta.uid, node: spec.nodeName, ip: status.podIP };
    for (const slot of Object.keys(PLAIN) as Slot[]) {
      const v = values[slot];
      if (typeof v !== 'string' || !PLAIN[slot].test(v)) return undefined;
    }
    let t = this.templates.get(labels);
    if (!t) {
      const stand = {
        ...pod,
        metadata: { ...meta, name: TOKENS.name, uid: TOKENS.uid },
        spec: { ...spec, nodeName: TOKENS.node },
        status: { ...status, podIP: TOKENS.ip, podIPs: [{ ip: TOKENS.ip }] },
      };
      t = {
        owner: meta.ownerReferences,
        containers: spec.containers,
        volumes: spec.volumes,
        annotations: meta.annotations,
        parts: dump(stand).split(TOKEN_PATTERN),
      };
      this.templates.set(labels, t);
    }
    const ips = status.podIPs as { ip?: unknown }[] | undefined;
    if (
      t.owner !== meta.ownerReferences ||
      t.containers !== spec.containers ||
      t.volumes !== spec.volumes ||
      t.annotations !== meta.annotations ||
      ips?.length !== 1 ||
      ips[0]?.ip !== values.ip
    ) {
      return undefined;
    }
    let s = '';
    for (let i = 0; i < t.parts.length; i++) s += i % 2 === 0 ? t.parts[i] : (values[SLOT_OF[t.parts[i]!]!] as string);
    return s;
  }
}
