import yaml from 'js-yaml';
import type { SourceObject } from '../parse-manifests.js';

export type SnapshotFormat = 'yaml' | 'json';

/**
 * A cluster snapshot as `kubectl get ... -o yaml` writes one: a `kind: List` of whole objects
 * with kind and apiVersion set, so every command (and kubectl) reads it back as input.
 */
export function formatSnapshot(objects: readonly SourceObject[], format: SnapshotFormat): string {
  const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objects.map((o) => o.obj) };
  if (format === 'json') return `${JSON.stringify(list, null, 2)}\n`;
  // noRefs: objects that share a sub-object must not come out as YAML anchors kubectl users
  // would not expect; lineWidth -1: long strings (certificates, annotations) stay on one line.
  return yaml.dump(list, { noRefs: true, lineWidth: -1 });
}
