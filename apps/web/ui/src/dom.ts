/** A tiny element builder: text always goes in as text nodes, never as HTML. */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | ((ev: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function download(name: string, content: string | Blob, type: string): void {
  const url = URL.createObjectURL(typeof content === 'string' ? new Blob([content], { type }) : content);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Puts the tooltip beside the pointer, never over the side panel: when the panel is open and
 * the tooltip would reach it, it goes to the pointer's left; it stays inside the window.
 */
export function placeTooltip(tip: HTMLElement, x: number, y: number): void {
  const panel = document.getElementById('side-panel');
  const right = panel?.classList.contains('open') ? panel.getBoundingClientRect().left : window.innerWidth;
  const w = tip.offsetWidth;
  const hgt = tip.offsetHeight;
  let left = x + 14;
  if (left + w > right - 4) left = Math.max(4, Math.min(x - 14, right - 4) - w);
  let top = y + 14;
  if (top + hgt > window.innerHeight - 4) top = Math.max(4, y - 14 - hgt);
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}
