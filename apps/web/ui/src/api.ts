/** Fetching from the server: JSON in, JSON out; a failed request's one-line message is thrown. */
export class ApiError extends Error {}

async function handle<T>(res: Response): Promise<T> {
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const msg = typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error) : `HTTP ${res.status}`;
    throw new ApiError(msg);
  }
  return body as T;
}

export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return handle<T>(await fetch(`api/${path}${qs ? `?${qs}` : ''}`));
}

/** This tab, to the server: a newer request in the same slot (tab and view) replaces an older one still waiting. */
const TAB = Math.random().toString(36).slice(2, 10);

/** A request replaced by a newer one of the same view (409 from the server, or aborted here): nobody is waiting for it. */
export class Superseded extends Error {}

/**
 * Requests of one view that replace each other (a blast radius, its choke points, a what-if):
 * starting one aborts the previous one still under way, and the server drops its job if it is
 * still queued (`X-Lateral-Slot`).
 */
export class Slot {
  private current: AbortController | undefined;
  constructor(private readonly name: string) {}

  async post<T>(path: string, body: unknown): Promise<T> {
    this.current?.abort();
    const ctl = new AbortController();
    this.current = ctl;
    let res: Response;
    try {
      res = await fetch(`api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lateral-slot': `${TAB}:${this.name}` }, body: JSON.stringify(body), signal: ctl.signal });
    } catch (e) {
      if (ctl.signal.aborted) throw new Superseded('superseded');
      throw e;
    }
    if (res.status === 409 || ctl.signal.aborted) throw new Superseded('superseded');
    return handle<T>(res);
  }
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return handle<T>(await fetch(`api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

/** A POST whose answer is text (a report in a chosen format); errors are JSON as elsewhere. */
export async function postText(path: string, body: unknown): Promise<string> {
  const res = await fetch(`api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) return handle<string>(res);
  return res.text();
}
