import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '@lateral/core';

/** One answer of the API server: the HTTP status and the parsed JSON body. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A request the server answered with an error status (its `Status` message when it sent one). */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  constructor(
    readonly status: number,
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${status} ${reason}`);
  }
}

/** Long enough for a page of 500 pods from a busy API server; short enough not to hang CI. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Raw GETs against the API server of a kubeconfig's current context. client-node's typed APIs
 * deserialise into classes that rename fields (`continue` becomes `_continue`) and turn
 * timestamps into Dates; we want the JSON exactly as `kubectl get -o json` shows it, so we take
 * only authentication and TLS from client-node (`applyToHTTPSOptions`: certificates, tokens,
 * exec and OIDC plugins, proxies) and make the request ourselves.
 */
export class KubeApi {
  readonly server: string;

  constructor(readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new InputError('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** GET `path` with `query`; any status is returned, a failure to connect is an InputError. */
  async get(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<ApiResponse> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (e) {
      // client-node refuses, for instance, plain http without insecure-skip-tls-verify, and
      // an exec credential plugin that fails.
      throw new InputError(`cannot use the credentials of context "${this.kc.getCurrentContext()}": ${oneLine(e)}`);
    }
    const lib = url.protocol === 'http:' ? http : https;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = lib.request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', reject);
      req.end();
    }).catch((e: unknown) => {
      throw new InputError(`cannot reach the API server at ${this.server} (context "${this.kc.getCurrentContext()}"): ${oneLine(e)}`);
    });
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (status >= 200 && status < 300) {
        throw new InputError(`the API server at ${this.server} answered ${path} with something other than JSON`);
      }
    }
    return { status, body };
  }

  /** GET that must succeed: 401 is the user's credentials, anything else an ApiStatusError. */
  async getOk(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<unknown> {
    const res = await this.get(path, query);
    if (res.status >= 200 && res.status < 300) return res.body;
    throw this.statusError(path, res);
  }

  statusError(path: string, res: ApiResponse): Error {
    if (res.status === 401) {
      return new InputError(`the API server at ${this.server} rejected the credentials of context "${this.kc.getCurrentContext()}" (401 Unauthorized)`);
    }
    return new ApiStatusError(res.status, path, statusReason(res.body) ?? http.STATUS_CODES[res.status] ?? 'error');
  }
}

/** The message of a `kind: Status` body, which is how the API server explains a refusal. */
export function statusReason(body: unknown): string | undefined {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

export function oneLine(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split('\n')[0] ?? '';
  return typeof code === 'string' && !first.includes(code) ? `${code} ${first}`.trim() : first;
}
