/**
 * Labels the controllers put on individual pods or on one rollout's pods, never on the
 * workload as a whole: `pod-template-hash` (Deployment -> ReplicaSet), `controller-revision-hash`
 * (StatefulSet, DaemonSet), `pod-template-generation` (DaemonSet), the StatefulSet pod name and
 * index, and the Job controller's uid/name/index labels (a CronJob's every run is a new Job).
 *
 * They tell pods or rollouts apart, never workloads: flow resolution ignores them when it
 * matches a capture's pod labels to a workload, and the generator never selects on them (a
 * policy on them would stop applying at the next rollout).
 */
export const PER_POD_LABELS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
  'batch.kubernetes.io/job-completion-index',
  'batch.kubernetes.io/job-index',
]);
