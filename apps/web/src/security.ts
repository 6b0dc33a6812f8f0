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

export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof InputError || err instanceof BadRequest) {
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
