/**
 * Security headers on every response (SPEC §1), through `@fastify/helmet`: `X-Content-Type-Options:
 * nosniff`, frame denial (`X-Frame-Options: DENY` and `frame-ancestors 'none'`), `Referrer-Policy:
 * no-referrer`, cross-origin isolation headers, HSTS when the issuer is https, and a
 * Content-Security-Policy that allows nothing at all — the API serves JSON, which needs none. The
 * one HTML page, the Swagger UI at `/docs`, gets {@link DOCS_CSP} instead (see `openapi.ts`).
 *
 * @module
 */
import helmet from '@fastify/helmet'
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
const API_CSP = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
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
 * Registers `@fastify/helmet` on `app` (all routes, the host's included).
 *
 * @example
 * await registerSecurityHeaders(app, { hsts: true })
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: Required<SecurityHeadersOptions>): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  })
}
