/**
 * What the page says about the network plugin (docs/cni.md): the profile in the top bar, the
 * unknown verdicts a connection carries (drawn as possible edges, their ports in the edge's
 * detail) and how an explanation names Cilium and Calico rules — by list and index, as
 * `lateral explain` prints them. Pure functions of the API's JSON.
 */
import { formatPorts } from './store.js';
import type { Connection, Side, Summary } from './types.js';

type TierStep = NonNullable<Side['tiers']>['chain'][number];
type NearMiss = NonNullable<Side['tiers']>['nearMisses'][number];

/** `cni: calico (detected from 1 GlobalNetworkPolicy, 1 Tier)`, as the CLI prints it on stderr. */
export function cniLabel(s: Summary): string {
  if (!s.cni) return '';
  return `cni: ${s.cni.name}${s.cni.detectedFrom ? ` (detected from ${s.cni.detectedFrom})` : ''}`;
}

const byIndex = (tier: string) => tier === 'Cilium' || tier.startsWith('calico tier ');

/** A Cilium or Calico step as core's formatter writes it (`calico tier devops: gnp/x ingress[1] Pass`); undefined for other tiers. */
export function cniStepText(st: TierStep): string | undefined {
  if (!byIndex(st.tier)) return undefined;
  if (st.tier === 'Cilium') return `Cilium: ${st.action} (${st.policy ?? ''})`;
  return st.rule !== undefined ? `${st.tier}: ${st.policy} ${st.direction}[${st.rule}] ${st.action}` : `${st.tier}: ${st.action}`;
}

/** `cnp shop/api ingress[0] (Allow) shop/web is not among its peers`; undefined for other tiers. */
export function cniNearMissText(m: NearMiss): string | undefined {
  if (!byIndex(m.tier)) return undefined;
  return `near miss (${m.tier}): ${m.policy} ${m.direction}[${m.rule}] (${m.action}) ${m.detail}`;
}

/** Whether the connection is only possible: no port certainly allowed, some unknown. */
export function onlyPossible(c: Connection): boolean {
  return c.unknown !== undefined && !c.all && c.ports.TCP.length + c.ports.UDP.length + c.ports.SCTP.length === 0;
}

/** The edge's port text with its unknown ports: `TCP 80; unknown: TCP 443 (click to explain)`. */
export function portsWithUnknown(c: Connection): string {
  if (!c.unknown) return formatPorts(c);
  const unknown = `unknown: ${formatPorts({ ...c, all: false, ports: c.unknown })} (a rule the manifests cannot decide; click to explain)`;
  return onlyPossible(c) ? unknown : `${formatPorts(c)}; ${unknown}`;
}
