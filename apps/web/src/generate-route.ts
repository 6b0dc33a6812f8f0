/**
 * Policy generation in the browser: a flow capture (the one loaded at start, or one uploaded)
 * becomes least-privilege NetworkPolicies, verified against the model before anyone sees them:
 * every observed flow allowed, nothing unobserved opened.
 */
import { Readable } from 'node:stream';
import type { Router } from 'express';
import { readFlows, type FlowSet } from '@lateral/flows';
import { generatePolicies, policiesYaml, verifyPolicies } from '@lateral/generator';
import type { SessionHolder } from './session.js';
import { BadRequest } from './security.js';
import type { Session } from './session.js';

export async function flowsFromText(s: Session, text: string): Promise<FlowSet> {
  // The flows reader takes `-` as a stream; the upload never touches the file system.
  return readFlows(['-'], s.cluster, { stdin: Readable.from([text]), compiled: s.compiled });
}

export function generateRoutes(r: Router, holder: SessionHolder): void {
  r.post('/generate', async (req, res, next) => {
    try {
      const s = holder.current();
      const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
      if (b.flows !== undefined && typeof b.flows !== 'string') throw new BadRequest('"flows" must be the text of a flow capture');
      let sets: FlowSet[];
      let source: string;
      if (typeof b.flows === 'string' && b.flows.trim()) {
        const name = typeof b.name === 'string' && b.name ? b.name.slice(0, 200) : 'upload';
        sets = [await flowsFromText(s, b.flows)];
        source = name;
      } else {
        if (s.flows.length === 0) throw new BadRequest('no flow capture loaded: upload one (Hubble JSON, Inspektor Gadget, CSV or JSONL)');
        sets = s.flows.map((f) => f.flows);
        source = s.flows.map((f) => f.name).join(', ');
      }
      const set = sets.length === 1 ? sets[0]! : mergeSets(sets);
      if (set.edges.length === 0) {
        const bad = set.badLines[0];
        throw new BadRequest(bad ? `${source}:${bad.line}: ${bad.message}` : `${source}: no flows in the capture`);
      }
      const generated = generatePolicies(s.cluster, set, { defaultDeny: b.defaultDeny === true, evalOptions: s.options });
      const verification = verifyPolicies(s.cluster, generated.policies.map((p) => p.policy), set, { compiled: s.compiled, aggregates: generated.aggregates, dns: generated.dns ?? false, evalOptions: s.options });
      res.json({
        source,
        flows: { records: set.records, edges: set.edges.length, badLines: set.badLineCount, unresolved: set.unresolved },
        policies: generated.policies.map((p) => ({ name: `${p.policy.namespace}/${p.policy.name}`, subject: p.subject })),
        warnings: generated.warnings,
        verification,
        yaml: policiesYaml(generated.policies),
      });
    } catch (e) {
      next(e);
    }
  });
}

function mergeSets(sets: FlowSet[]): FlowSet {
  return {
    edges: sets.flatMap((x) => x.edges),
    records: sets.reduce((n, x) => n + x.records, 0),
    folded: sets.reduce((n, x) => n + x.folded, 0),
    badLines: sets.flatMap((x) => x.badLines),
    badLineCount: sets.reduce((n, x) => n + x.badLineCount, 0),
    unresolved: sets.flatMap((x) => x.unresolved),
    nodeLocal: sets.flatMap((x) => x.nodeLocal ?? []),
    // Verification reads the captures as recorded; without them in every set, it reads edges.
    ...(sets.every((x) => x.connections) ? { connections: sets.flatMap((x) => x.connections!) } : {}),
  };
}
