/**
 * Okabe–Ito: eight colours that stay distinct under the common colour-vision deficiencies.
 * Meaning is never carried by colour alone: the map adds border style and shape, the matrix
 * adds a legend and text on hover.
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

export const ROLE = {
  workload: OKABE_ITO.blue,
  external: OKABE_ITO.orange,
  internet: OKABE_ITO.reddishPurple,
  openIngress: OKABE_ITO.vermillion,
  observed: OKABE_ITO.skyBlue,
  added: OKABE_ITO.bluishGreen,
  removed: OKABE_ITO.vermillion,
  changed: OKABE_ITO.yellow,
  compromised: OKABE_ITO.vermillion,
  crownJewel: OKABE_ITO.reddishPurple,
} as const;

/** Blast-radius rings: hop 0 (the foothold) outwards. */
export const RING_COLOURS = [OKABE_ITO.vermillion, OKABE_ITO.orange, OKABE_ITO.yellow, OKABE_ITO.skyBlue, OKABE_ITO.blue];

export function ringColour(hop: number): string {
  return RING_COLOURS[Math.min(hop, RING_COLOURS.length - 1)]!;
}

/** Theme colours come from CSS variables so light and dark stay in one place (style.css). */
export function themeColour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}
