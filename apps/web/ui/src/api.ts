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

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return handle<T>(await fetch(`api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

/** A POST whose answer is text (a report in a chosen format); errors are JSON as elsewhere. */
export async function postText(path: string, body: unknown): Promise<string> {
  const res = await fetch(`api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) return handle<string>(res);
  return res.text();
}
