/**
 * Headers and error handling that make the server safe to leave running on a workstation: a
 * strict Content-Security-Policy (the UI is built without inline scripts or styles), no
 * framing, no sniffing, and errors that reach the client as one line — an input error's
 * message, or "internal error" — never a stack trace.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { InputError } from '@lateral/core';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
};

/** A request the client got wrong: 400 with this message. */
export class BadRequest extends Error {}

/** No analysis worker free in time, or the queue is full: 503 with Retry-After. */
export class Busy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the server is busy with other analyses; try again shortly');
  }
}

/** A newer request of the same client and view replaced this one: 409, and the client has moved on. */
export class Superseded extends Error {
  constructor() {
    super('superseded by a newer request from the same view');
  }
}

/** API answers describe the cluster as it is now: never stored by a browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** The Host header's name, lower case, without the port (`[::1]:8080` → `::1`). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** Names a browser on this machine uses for a loopback server. */
const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Addresses that mean "every interface": the Host can then be any of this machine's addresses. */
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The Host names the server answers to: localhost names, the bound address (or, bound to every
 * interface, this machine's addresses), and those allowed explicitly (`--allow-host`).
 */
export function allowedHosts(bound: string, extra: readonly string[] = [], interfaces: readonly string[] = []): Set<string> {
  const b = hostName(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  return new Set([...LOCAL_NAMES, ...(WILDCARDS.has(b) ? interfaces.map((a) => a.toLowerCase()) : [b]), ...extra.map((x) => hostName(x))]);
}

/**
 * A request whose Host is not one of ours is refused (421 Misdirected Request): a page on
 * another site that rebinds its DNS name to 127.0.0.1 reaches the server with its own name as
 * the Host, and gets nothing. `*.localhost` names resolve to loopback and are accepted.
 */
export function hostCheck(allowed: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const host = req.headers.host;
    if (host === undefined) return next();
    const name = hostName(host);
    if (allowed.has(name) || name.endsWith('.localhost')) return next();
    res.status(421).type('application/json').send(JSON.stringify({ error: `host "${name}" is not served here; start the server with --allow-host ${name} to allow it` }));
  };
}

export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof Superseded) {
      res.status(409).json({ error: err.message });
    } else if (err instanceof Busy) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(503).json({ error: err.message });
    } else if (err instanceof InputError || err instanceof BadRequest) {
      res.status(400).json({ error: (err as Error).message });
    } else if (e.type === 'entity.too.large') {
      res.status(413).json({ error: 'request too large' });
    } else if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'request body is not valid JSON' });
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? 'bad request' });
    } else {
      // Ours, not the client's: the details go to the server's log only.
      log(`lateral serve: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.status(500).json({ error: 'internal error' });
    }
  };
}
