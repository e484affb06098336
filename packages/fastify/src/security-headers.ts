/**
 * Security headers on every response (SPEC §1): `X-Content-Type-Options: nosniff`, frame denial
 * (`X-Frame-Options: DENY` and `frame-ancestors 'none'`), `Referrer-Policy: no-referrer`,
 * cross-origin isolation headers, HSTS when the issuer is https, and a Content-Security-Policy that
 * allows nothing at all — the API serves JSON, which needs none. The one HTML page, the Swagger UI at
 * `/docs`, gets {@link DOCS_CSP} instead (see `openapi.ts`); a route that sets its own header wins.
 *
 * The set is exactly what helmet 8 sends with these options, computed once: `@fastify/helmet` built
 * a helmet instance and re-parsed the CSP on every request (7 % of the busy time of a protected
 * call in the bench's profile).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify'

/** The `securityHeaders` option of the plugin. */
export interface SecurityHeadersOptions {
  /**
   * Send `Strict-Transport-Security: max-age=31536000; includeSubDomains`. Browsers honour it only
   * over https. @default true when the issuer is an https URL
   */
  hsts?: boolean
}

/** CSP of every response but the docs: JSON and problem documents load nothing. */
const API_CSP = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'"

/**
 * The headers of every response (lower-case names), HSTS included when `hsts`.
 *
 * @example
 * securityHeaders({ hsts: false })['x-frame-options'] // 'DENY'
 */
export function securityHeaders(options: Required<SecurityHeadersOptions>): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': API_CSP,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    ...(options.hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  })
}

/**
 * CSP of the Swagger UI pages: scripts, styles and the spec from this origin only, no inline
 * script or `eval`, images from this origin or `data:` (the UI's icons and logo), never framed.
 * The one inline style allowed, by its hash, is the `<style>` of the Swagger logo's SVG
 * (`.logo_small_svg__cls-2{fill:#fff}…` in swagger-ui-standalone-preset.js); checked in headless
 * Chromium, the page then renders without a single CSP violation. Should a Swagger UI update change
 * that style, only the logo's colours are lost.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

/**
 * Sets {@link securityHeaders} on every response of `app` (all routes, the host's and the not-found
 * handler's included), from the first `onRequest` hook: errors and 429s keep them.
 *
 * @example
 * await registerSecurityHeaders(app, { hsts: true })
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: Required<SecurityHeadersOptions>): Promise<void> {
  const entries = Object.entries(securityHeaders(options))
  app.addHook('onRequest', (_req, reply, done) => {
    for (const [name, value] of entries) void reply.header(name, value)
    done()
  })
}
