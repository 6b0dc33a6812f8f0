import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1ReplicationController,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { InputError, type LabelSelector, type Labels } from '@lateral/core';
import { podSpecFacts, type PodSpecFacts } from './pod-spec.js';
import { labelSelector } from './selector.js';
import { optInt, optLabels, optMapping, optStringMap } from './raw-fields.js';

/** The controllers whose pod template we read. */
export const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

type WorkloadObject =
  | V1Deployment
  | V1StatefulSet
  | V1DaemonSet
  | V1ReplicaSet
  | V1ReplicationController
  | V1Job
  | V1CronJob;

/** A workload manifest read for the model: its pods' template and how many of them it asks for. */
export interface WorkloadManifest {
  readonly selector?: LabelSelector;
  /** How many pods the template stands for (Deployment replicas, Job parallelism, 1 per DaemonSet). */
  readonly replicas: number;
  readonly templateLabels: Labels;
  readonly templateAnnotations?: Labels;
  readonly template: PodSpecFacts;
}

/** Reads a workload manifest of one of WORKLOAD_KINDS, validating its pod template. */
export function readWorkloadManifest(kind: string, raw: unknown): WorkloadManifest {
  const obj = raw as WorkloadObject;
  const spec = optMapping(obj.spec, 'spec') as Record<string, unknown> | undefined;
  // CronJob nests a whole Job spec; everything else has the template at spec.template.
  let jobSpec = spec;
  let prefix = 'spec';
  if (kind === 'CronJob') {
    const jobTemplate = optMapping(spec?.jobTemplate as object | undefined, 'spec.jobTemplate') as
      | Record<string, unknown>
      | undefined;
    jobSpec = optMapping(jobTemplate?.spec as object | undefined, 'spec.jobTemplate.spec') as
      | Record<string, unknown>
      | undefined;
    prefix = 'spec.jobTemplate.spec';
  }

  const templateField = `${prefix}.template`;
  const template = optMapping(jobSpec?.template as V1PodTemplateSpec | undefined, templateField);
  if (!template) throw new InputError(`${kind} has no pod template`, { field: templateField });
  const templateMeta = optMapping(template.metadata, `${templateField}.metadata`);
  const templateLabels = optLabels(templateMeta?.labels, `${templateField}.metadata.labels`) ?? {};
  const templateAnnotations = optStringMap(templateMeta?.annotations, `${templateField}.metadata.annotations`);
  const facts = podSpecFacts(template.spec, `${templateField}.spec`);

  let replicas = 1;
  if (kind === 'Job' || kind === 'CronJob') {
    replicas = count(jobSpec?.parallelism, `${prefix}.parallelism`) ?? 1;
  } else if (kind !== 'DaemonSet') {
    // A DaemonSet runs one pod per node; without nodes in the input that is one pod.
    replicas = count(jobSpec?.replicas, `${prefix}.replicas`) ?? 1;
  }

  let selector: LabelSelector | undefined;
  if (kind === 'ReplicationController') {
    // A ReplicationController's selector is a plain map, defaulted to the template's labels.
    const map = optLabels(jobSpec?.selector, `${prefix}.selector`);
    selector = { matchLabels: map && Object.keys(map).length > 0 ? map : templateLabels };
  } else if (jobSpec?.selector !== undefined && jobSpec.selector !== null) {
    selector = labelSelector(jobSpec.selector, `${prefix}.selector`);
  }

  // By assignment, in this key order: an object literal that starts with a spread is slow in V8.
  const m: { selector?: LabelSelector; replicas: number; templateLabels: Labels; templateAnnotations?: Labels; template?: PodSpecFacts } = selector
    ? { selector, replicas, templateLabels }
    : { replicas, templateLabels };
  if (templateAnnotations) m.templateAnnotations = templateAnnotations;
  m.template = facts;
  return m as WorkloadManifest;
}

function count(v: unknown, field: string): number | undefined {
  const n = optInt(v, field);
  if (n !== undefined && n < 0) throw new InputError(`must not be negative, not ${n}`, { field });
  return n;
}
