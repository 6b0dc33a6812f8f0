/**
 * Graph layout off the UI thread: fcose on a headless cytoscape in a Web Worker, so a large map
 * never freezes the tab. It returns positions; the page draws with a preset layout.
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';

cytoscape.use(fcose);

export interface LayoutRequest {
  id: number;
  elements: cytoscape.ElementDefinition[];
}
export interface LayoutResponse {
  id: number;
  positions: Record<string, { x: number; y: number }>;
  error?: string;
}

self.onmessage = (ev: MessageEvent<LayoutRequest>) => {
  const { id, elements } = ev.data;
  try {
    const cy = cytoscape({
      headless: true,
      styleEnabled: true,
      elements,
      style: [
        { selector: 'node', style: { width: 34, height: 34 } },
        { selector: 'node.collapsed', style: { width: 40, height: 40 } },
        // As drawn: padding and a title above each namespace box, so boxes do not overlap.
        { selector: ':parent', style: { padding: '30px' } },
      ],
    });
    const big = elements.length > 600;
    cy.layout({
      name: 'fcose',
      animate: false,
      randomize: true,
      // Not 'draft': that is the spectral step alone, which stacks structurally alike namespaces on one point.
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
    const positions: LayoutResponse['positions'] = {};
    cy.nodes().forEach((n) => {
      if (!n.isParent()) positions[n.id()] = n.position();
    });
    cy.destroy();
    (self as unknown as Worker).postMessage({ id, positions } satisfies LayoutResponse);
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, positions: {}, error: String(e) } satisfies LayoutResponse);
  }
};
