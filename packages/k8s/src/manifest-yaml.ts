/**
 * An input object back out as an editable manifest: what the web's what-if editor loads when
 * the user picks an existing policy to change. The server's bookkeeping (status, managedFields,
 * resourceVersion, uid, the last-applied annotation) is left out, as `kubectl get -o yaml`
 * users strip it before editing.
 */
import yaml from 'js-yaml';

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function editableManifest(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return obj;
  const { status: _status, ...rest } = obj as Record<string, unknown>;
  const meta = rest.metadata;
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) {
    const m: Record<string, unknown> = { ...(meta as Record<string, unknown>) };
    for (const k of SERVER_METADATA) delete m[k];
    if (typeof m.annotations === 'object' && m.annotations !== null) {
      const { [LAST_APPLIED]: _last, ...annotations } = m.annotations as Record<string, unknown>;
      if (Object.keys(annotations).length > 0) m.annotations = annotations;
      else delete m.annotations;
    }
    rest.metadata = m;
  }
  return rest;
}

/** One object as a YAML document. */
export function manifestYaml(obj: unknown): string {
  return yaml.dump(JSON.parse(JSON.stringify(editableManifest(obj))), { noRefs: true, lineWidth: -1 });
}
