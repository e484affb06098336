/**
 * CORS for browser callers (SPEC §1), through `@fastify/cors`, with an explicit allow-list and
 * nothing else: no wildcard, no reflected origins, no credentials (the API takes Bearer tokens in a
 * header, never cookies). A preflight from an allowed origin answers 204 with the
 * `Access-Control-Allow-*` headers before any authentication; any other origin gets no CORS header
 * at all (its preflight is a 404), so the browser refuses to hand it the response.
 *
 * @module
 */
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

/** The `cors` option of the plugin. */
export interface CorsOptions {
  /**
   * Origins allowed to call the API from a browser, each exactly as a browser sends it in
   * `Origin`: `scheme://host[:port]`, no path, no trailing slash. @default [] (CORS disabled)
   */
  origins: readonly string[]
}

/** Request headers a browser caller may send. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Request-Id']
/** Response headers a browser caller may read (besides the CORS-safelisted ones). */
const EXPOSED_HEADERS = ['X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'WWW-Authenticate']

/** Problems with `origins` (empty when valid), for `CONFIG_INVALID`. */
export function corsOriginProblems(origins: readonly unknown[]): string[] {
  const problems: string[] = []
  for (const origin of origins) {
    let valid = false
    if (typeof origin === 'string') {
      try {
        const url = new URL(origin)
        // WHATWG URLs accept "*" in a host name; an allow-list entry must never be a pattern.
        valid = (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin && !origin.includes('*')
      } catch {
        valid = false
      }
    }
    if (!valid) problems.push(`cors.origins: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path, no "*")`)
  }
  return problems
}

/**
 * Registers `@fastify/cors` on `app` for `origins` (call before the bearer hook, so that preflights
 * are answered before authentication). Does nothing when `origins` is empty.
 *
 * @example
 * await registerCors(app, { origins: ['https://console.example.com'] })
 */
export async function registerCors(app: FastifyInstance, options: CorsOptions): Promise<void> {
  if (options.origins.length === 0) return
  const allowed = new Set(options.origins)
  // The catch-all OPTIONS route of @fastify/cors answers preflights: no token can be asked of them.
  app.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS' && route.url === '*') route.config = { ...route.config, public: true }
  })
  await app.register(cors, {
    // `false` for any origin not listed: @fastify/cors then adds no CORS header and no preflight.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: 600,
    // A malformed preflight from an allowed origin still gets a plain answer, never a text/plain 400.
    strictPreflight: false,
  })
}
