/**
 * The shape of compile stage 2's result (class-stage.ts builds it). Apart from the stage so that
 * the compile memo, which keeps the last one, needs no import of the stage itself.
 */
import type { Pod } from '../model/model.js';
import type { IpAddress } from '../semantics/ip.js';
import type { IpAtoms } from './ip-atoms.js';
import type { PodClasses } from './pod-classes.js';

export interface ClassState {
  /** The cluster's pods (classPods index them). */
  readonly pods: readonly Pod[];
  readonly matchPods: boolean;
  readonly classes: PodClasses;
  readonly classCount: number;
  readonly ipAtoms: IpAtoms;
  readonly externalCount: number;
  readonly nodeCount: number;
  /** Namespace -> its classes. */
  readonly nsClasses: readonly (readonly number[])[];
  /** The classes of namespace `ns` whose pods `podSel` selects (ANY_POD: all of them). */
  classesMatching(ns: number, podSel: number): readonly number[];
  /** External group -> the classes whose pods have an address in it (empty when pod IPs play no part). */
  readonly groupClasses: readonly (readonly number[])[];
  parsePodIp(pod: Pod, ip: string): IpAddress;
}
