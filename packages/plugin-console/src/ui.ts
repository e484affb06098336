/**
 * Serving the single-page app at `/console/` (built by Vite into `dist/ui`), with a strict CSP:
 * scripts, styles, fonts and API calls from the same origin only; nothing inline, no framing.
 * This file sits directly in `src/` so that `../dist/ui/` resolves from the source and from the
 * bundle (`dist/index.js`) alike.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type {} from '@fastify/swagger'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { consoleError } from './errors.js'

/** The built app: `packages/plugin-console/dist/ui`. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../dist/ui/', import.meta.url))

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

const ASSET = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/

export function uiRoutes(uiDir: string): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyStatic, { root: uiDir, serve: false })
    const built = () => existsSync(`${uiDir}/index.html`)
    const page = (reply: FastifyReply) => {
      if (!built()) throw consoleError('CONSOLE_NOT_BUILT', 'The console is not built: run `npm run build:ui -w @sentryagent/plugin-console`')
      return reply.header('content-security-policy', CONSOLE_CSP).header('cache-control', 'no-cache').sendFile('index.html', uiDir)
    }
    const config = { public: true, rateLimit: 'public' } as const
    app.get('/console', { config, schema: { hide: true } }, async (_req, reply) => reply.redirect('/console/', 301))
    app.get('/console/', { config, schema: { hide: true } }, async (_req, reply) => page(reply))
    app.get<{ Params: { '*': string } }>('/console/*', { config, schema: { hide: true } }, async (req, reply) => {
      const path = req.params['*']
      if (path.startsWith('api/')) return reply.callNotFound()
      if (ASSET.test(path) && !path.split('/').some((p) => p.startsWith('.')) && existsSync(`${uiDir}/${path}`)) {
        const immutable = path.startsWith('assets/')
        return reply
          .header('content-security-policy', CONSOLE_CSP)
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .sendFile(path, uiDir)
      }
      return page(reply)
    })
  }
}
