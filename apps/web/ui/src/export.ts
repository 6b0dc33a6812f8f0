/**
 * Exports: the map as PNG (cytoscape's own renderer, the whole graph at twice the resolution) or
 * as SVG (written here from the drawn elements' positions and computed styles, so it opens in
 * any editor and scales), and a matrix as CSV (source rows, destination columns).
 */
import type cytoscape from 'cytoscape';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const DASH: Record<string, string> = { dashed: '6 4', dotted: '1.5 3' };

/** The visible elements of a graph as a standalone SVG document. */
export function graphSvg(cy: cytoscape.Core, background: string): string {
  const visible = cy.elements(':visible');
  const bb = visible.boundingBox({});
  const pad = 20;
  const w = Math.ceil(bb.w + 2 * pad);
  const hgt = Math.ceil(bb.h + 2 * pad);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${hgt}" viewBox="${bb.x1 - pad} ${bb.y1 - pad} ${w} ${hgt}" font-family="system-ui, sans-serif">`,
    `<rect x="${bb.x1 - pad}" y="${bb.y1 - pad}" width="${w}" height="${hgt}" fill="${esc(background)}"/>`,
  ];
  const text = (n: cytoscape.NodeSingular, x: number, y: number, anchorTop: boolean) => {
    const label = String(n.style('label') ?? '');
    if (!label) return;
    const size = parseFloat(String(n.style('font-size'))) || 11;
    parts.push(`<text x="${x}" y="${y}" font-size="${size}" text-anchor="middle" dominant-baseline="${anchorTop ? 'auto' : 'hanging'}" fill="${esc(String(n.style('color')))}">${esc(label)}</text>`);
  };
  // Boxes first (namespaces with their workloads inside), then edges, then the nodes on top.
  visible.nodes(':parent').forEach((n) => {
    const b = n.boundingBox({ includeLabels: false });
    parts.push(`<rect class="namespace" x="${b.x1}" y="${b.y1}" width="${b.w}" height="${b.h}" rx="6" fill="${esc(String(n.style('background-color')))}" stroke="${esc(String(n.style('border-color')))}"/>`);
    text(n, (b.x1 + b.x2) / 2, b.y1 - 4, true);
  });
  visible.edges().forEach((e) => {
    const s = e.sourceEndpoint();
    const t = e.targetEndpoint();
    const dash = DASH[String(e.style('line-style'))];
    parts.push(
      `<line x1="${s.x}" y1="${s.y}" x2="${t.x}" y2="${t.y}" stroke="${esc(String(e.style('line-color')))}" stroke-width="${parseFloat(String(e.style('width'))) || 1}" stroke-opacity="${e.style('opacity')}"${dash ? ` stroke-dasharray="${dash}"` : ''}><title>${esc(`${e.source().id()} → ${e.target().id()}: ${String(e.data('ports') ?? '')}`)}</title></line>`,
    );
  });
  visible.nodes(':childless').forEach((n) => {
    const p = n.position();
    const w2 = n.width() / 2;
    const h2 = n.height() / 2;
    const fill = esc(String(n.style('background-color')));
    const bw = parseFloat(String(n.style('border-width'))) || 0;
    const stroke = bw > 0 ? ` stroke="${esc(String(n.style('border-color')))}" stroke-width="${bw}"${DASH[String(n.style('border-style'))] ? ` stroke-dasharray="${DASH[String(n.style('border-style'))]}"` : ''}` : '';
    const shape = String(n.style('shape'));
    const opacity = n.style('opacity');
    if (shape === 'ellipse') parts.push(`<ellipse cx="${p.x}" cy="${p.y}" rx="${w2}" ry="${h2}" fill="${fill}"${stroke} opacity="${opacity}"/>`);
    else parts.push(`<rect x="${p.x - w2}" y="${p.y - h2}" width="${2 * w2}" height="${2 * h2}" rx="${shape.includes('round') ? 4 : 0}" fill="${fill}"${stroke} opacity="${opacity}"/>`);
    const ow = parseFloat(String(n.style('outline-width'))) || 0;
    if (ow > 0) parts.push(`<ellipse cx="${p.x}" cy="${p.y}" rx="${w2 + bw + 3}" ry="${h2 + bw + 3}" fill="none" stroke="${esc(String(n.style('outline-color')))}" stroke-width="${ow}" stroke-dasharray="4 3"/>`);
    text(n, p.x, p.y + h2 + 4, false);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** One CSV field, quoted when it must be (RFC 4180). */
export function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A matrix as CSV: the first row names the destinations, the first column the sources; empty where nothing is allowed. */
export function matrixCsv(rows: readonly string[], cols: readonly string[], cell: (i: number, j: number) => string | undefined): string {
  const lines = [['source \\ destination', ...cols].map(csvField).join(',')];
  for (let i = 0; i < rows.length; i++) lines.push([rows[i]!, ...cols.map((_c, j) => cell(i, j) ?? '')].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}
