/**
 * The map's layout: positions for the elements map-elements.ts builds, computed headless (no
 * drawing), so it runs the same in the page's Web Worker (layout.worker.ts) and on the server,
 * which lays out a large cluster's first picture once per session (map-layout-cache.ts).
 *
 * Two recipes. The namespace-level picture of a large cluster (hundreds of collapsed
 * namespaces, no compound nodes) takes fcose's spectral step alone ("draft", a fraction of the
 * force-directed run's time) and snaps it to a grid, so alike namespaces that the spectral step
 * puts on one spot still each get a cell. A map with workloads inside namespace boxes takes the
 * full fcose run, and then the namespace boxes (and the nodes outside any box) are pushed apart
 * until none overlaps: fcose keeps compound nodes apart only approximately.
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import { separateBoxes, snapToGrid, type Box, type Point } from './layout-geometry.js';

cytoscape.use(fcose);

/** Aggregates with more nodes than this take the spectral-and-grid recipe. */
const GRID_ABOVE = 60;
/** Grid cell: a collapsed namespace (up to 46 px) with its label ("team-payments-prod (12)") below. */
const GRID_CELL = 130;
/** As drawn in map-view: node size, compound padding, the namespace title above the box. */
const NODE_HALF = 17;
const BOX_PADDING = 14;
const TITLE = 22;
const LABEL_BELOW = 18;
const CHAR_WIDTH = 6.5;

function labelHalfWidth(n: cytoscape.NodeSingular): number {
  return (String(n.data('label') ?? '').length * CHAR_WIDTH) / 2;
}

/** The box a top-level element occupies as drawn: a namespace with its workloads and title, or a node with its label. */
function boxOf(n: cytoscape.NodeSingular): Box {
  if (n.isParent()) {
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    n.children().forEach((c) => {
      const p = c.position();
      const half = Math.max(NODE_HALF, labelHalfWidth(c));
      x1 = Math.min(x1, p.x - half);
      x2 = Math.max(x2, p.x + half);
      y1 = Math.min(y1, p.y - NODE_HALF);
      y2 = Math.max(y2, p.y + NODE_HALF + LABEL_BELOW);
    });
    const titleHalf = labelHalfWidth(n) + 6;
    const mid = (x1 + x2) / 2;
    return { id: n.id(), x1: Math.min(x1, mid - titleHalf) - BOX_PADDING, x2: Math.max(x2, mid + titleHalf) + BOX_PADDING, y1: y1 - BOX_PADDING - TITLE, y2: y2 + BOX_PADDING };
  }
  const p = n.position();
  const half = Math.max(23, labelHalfWidth(n));
  return { id: n.id(), x1: p.x - half, x2: p.x + half, y1: p.y - 23, y2: p.y + 23 + LABEL_BELOW };
}

export type Positions = Record<string, { x: number; y: number }>;

export function layout(elements: cytoscape.ElementDefinition[]): { positions: Positions; recipe: string } {
  const cy = cytoscape({
    headless: true,
    styleEnabled: true,
    elements,
    style: [
      { selector: 'node', style: { width: 34, height: 34 } },
      { selector: 'node.collapsed', style: { width: 40, height: 40 } },
      // As drawn: padding and a title above each namespace box.
      { selector: ':parent', style: { padding: '30px' } },
    ],
  });
  try {
    const positions: Positions = {};
    const compound = cy.nodes(':parent').nonempty();
    if (!compound && cy.nodes().length > GRID_ABOVE) {
      cy.layout({ name: 'fcose', animate: false, randomize: true, quality: 'draft', packComponents: false, nodeSeparation: 120 } as cytoscape.LayoutOptions).run();
      const spectral = new Map<string, Point>();
      cy.nodes().forEach((n) => void spectral.set(n.id(), { ...n.position() }));
      for (const [id, p] of snapToGrid(spectral, GRID_CELL)) positions[id] = p;
      return { positions, recipe: 'spectral + grid' };
    }
    const big = elements.length > 600;
    cy.layout({
      name: 'fcose',
      animate: false,
      randomize: true,
      quality: 'default',
      nodeSeparation: 120,
      idealEdgeLength: () => 140,
      nodeRepulsion: () => (big ? 60000 : 25000),
      nestingFactor: 0.1,
      gravity: 0.2,
      gravityCompound: 1.5,
      gravityRangeCompound: 2,
      packComponents: true,
      tile: true,
      numIter: big ? 800 : 2500,
    } as cytoscape.LayoutOptions).run();
    const top = cy.nodes().filter((n) => n.parent().empty());
    const moves = separateBoxes(top.map(boxOf));
    top.forEach((t) => {
      const d = moves.get(t.id())!;
      const place = (n: cytoscape.NodeSingular) => {
        const p = n.position();
        positions[n.id()] = { x: p.x + d.x, y: p.y + d.y };
      };
      if (t.isParent()) t.children().forEach(place);
      else place(t);
    });
    return { positions, recipe: 'fcose + box separation' };
  } finally {
    cy.destroy();
  }
}

