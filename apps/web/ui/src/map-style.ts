/**
 * How the map looks: cytoscape's stylesheet for workloads, externals, namespaces, edges and the
 * what-if and blast-radius overlays. Colours come from the theme (CSS variables, read by the
 * caller) and the Okabe–Ito roles; shape and line style carry meaning too.
 */
import type cytoscape from 'cytoscape';
import { ROLE } from './palette.js';

export interface ThemeColours {
  readonly fg: string;
  readonly muted: string;
  readonly bg: string;
  readonly nsBg: string;
}

/** `dense`: straight, thin, arrowless edges (drawn far faster; see HAYSTACK_ABOVE). */
export function mapStyle({ fg, muted, bg, nsBg }: ThemeColours, dense: boolean): cytoscape.StylesheetJson {
  return [
    // Labels under 7 px on screen are not drawn (level of detail: see lod.ts for the namespace titles).
    { selector: 'node', style: { label: 'data(label)', 'font-size': 11, color: fg, 'text-valign': 'bottom', 'text-margin-y': 4, 'text-outline-color': bg, 'text-outline-width': 2, width: 26, height: 26, 'min-zoomed-font-size': 7 } },
    { selector: 'node.workload', style: { 'background-color': ROLE.workload, 'border-width': 0 } },
    // No ingress isolation: a solid ring; no egress isolation: a dashed outline around it. Both in the text colour.
    { selector: 'node.open-in', style: { 'border-color': fg, 'border-width': 4, 'border-style': 'solid' } },
    { selector: 'node.open-out', style: { 'outline-color': fg, 'outline-width': 2, 'outline-style': 'dashed', 'outline-offset': 2 } },
    { selector: 'node.external', style: { 'background-color': ROLE.external, shape: 'round-rectangle', width: 30, height: 20, 'font-size': 10 } },
    { selector: 'node.namespace', style: { 'background-color': nsBg, 'background-opacity': 1, 'border-color': muted, 'border-width': 1, shape: 'round-rectangle', 'text-valign': 'top', 'text-halign': 'center', 'font-weight': 'bold', 'font-size': 12, padding: '14px' } },
    { selector: 'node.collapsed', style: { width: 'mapData(workloads, 1, 60, 18, 46)', height: 'mapData(workloads, 1, 60, 18, 46)', padding: '0px', 'text-valign': 'bottom', 'font-size': 10, 'font-weight': 'normal', 'background-color': muted, 'background-opacity': 0.55 } },
    { selector: 'edge', style: { width: 1.5, 'line-color': muted, 'target-arrow-color': muted, 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', 'arrow-scale': 0.8, opacity: 0.75 } },
    { selector: 'edge.aggregate', style: { width: 'mapData(pairs, 1, 200, 1.5, 8)' } },
    ...(dense ? [{ selector: 'edge', style: { 'curve-style': 'haystack', 'haystack-radius': 0, 'target-arrow-shape': 'none', opacity: 0.35, width: 1 } }] : []),
    { selector: 'edge.observed', style: { 'line-color': ROLE.observed, 'target-arrow-color': ROLE.observed, width: 2, opacity: 0.9 } },
    // A flow the policies do not allow: vermillion and dashed, so it reads without colour too.
    { selector: 'edge.observed-denied', style: { 'line-color': ROLE.removed, 'target-arrow-color': ROLE.removed, 'line-style': 'dashed', width: 2.5 } },
    // A connection whose verdict is unknown (a rule the manifests cannot decide): possible, dashed.
    { selector: 'edge.possible', style: { 'line-style': 'dashed', opacity: 0.9 } },
    { selector: 'edge:selected', style: { 'line-color': fg, 'target-arrow-color': fg, width: 3 } },
    // The edge under the pointer: what a click will explain, drawn thick and on top.
    { selector: 'edge.hover', style: { width: 5, opacity: 1, 'z-index': 999, 'underlay-color': fg, 'underlay-opacity': 0.25, 'underlay-padding': 3 } },
    { selector: '.filtered', style: { display: 'none' } },
    { selector: 'node.lod-hide', style: { label: '' } },
    { selector: 'node.match', style: { 'border-color': fg, 'border-width': 5, 'border-style': 'double' } },
    { selector: 'edge.wi-added', style: { 'line-color': ROLE.added, 'target-arrow-color': ROLE.added, width: 3.5, opacity: 1 } },
    { selector: 'edge.whatif-added', style: { 'line-style': 'dashed' } },
    { selector: 'edge.wi-removed', style: { 'line-color': ROLE.removed, 'target-arrow-color': ROLE.removed, width: 3.5, 'line-style': 'dotted', opacity: 1 } },
    { selector: 'edge.wi-changed', style: { 'line-color': ROLE.changed, 'target-arrow-color': ROLE.changed, width: 3, opacity: 1 } },
    { selector: 'node.unreached', style: { opacity: 0.25 } },
    { selector: 'node.compromised', style: { shape: 'octagon', width: 36, height: 36, 'border-color': fg, 'border-width': 3, 'border-style': 'solid' } },
    { selector: 'node.crown', style: { shape: 'star', width: 36, height: 36, 'border-color': ROLE.crownJewel, 'border-width': 4 } },
  ] as cytoscape.StylesheetJson;
}
