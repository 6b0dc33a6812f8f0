/**
 * Okabe–Ito: eight colours that stay distinct under the common colour-vision deficiencies.
 * Each colour has one meaning across the views (ROLE); the blast radius's hop distance is a
 * grey ramp, so it never borrows one of them. Meaning is never carried by colour alone: the map
 * adds border style, outline and shape, the matrix adds a legend and text on hover, and every
 * legend lists exactly the colours and marks on screen (legend.ts).
 */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

/** One meaning per colour. */
export const ROLE = {
  /** A workload in the cluster. */
  workload: OKABE_ITO.blue,
  /** Addresses outside the cluster, the internet included. */
  external: OKABE_ITO.orange,
  /** Traffic seen in a flow capture. */
  observed: OKABE_ITO.skyBlue,
  /** Allowed by a change (what-if: newly allowed). */
  added: OKABE_ITO.bluishGreen,
  /** Denied: by a change (what-if: newly denied), or by today's policies for traffic that was seen. */
  removed: OKABE_ITO.vermillion,
  /** Ports changed by a change. */
  changed: OKABE_ITO.yellow,
  /** Crown jewels, and the attack paths to them. */
  crownJewel: OKABE_ITO.reddishPurple,
} as const;

/** Blast-radius hops, hop 1 outwards (hop 0, the foothold, is black with an outline): a grey ramp, darkest nearest. */
export const RING_COLOURS = ['#000000', '#4d4d4d', '#7a7a7a', '#a6a6a6', '#cfcfcf'];

export function ringColour(hop: number): string {
  return RING_COLOURS[Math.min(hop, RING_COLOURS.length - 1)]!;
}

/** How a hop is named in legends: the last ring stands for every hop beyond it. */
export function ringName(hop: number): string {
  if (hop === 0) return 'foothold (compromised)';
  const last = RING_COLOURS.length - 1;
  return hop >= last ? `${last}+ hops` : `${hop} hop${hop === 1 ? '' : 's'}`;
}

/** Theme colours come from CSS variables so light and dark stay in one place (style.css). */
export function themeColour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}
