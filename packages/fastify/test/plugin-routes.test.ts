/**
 * Routes of another Fastify plugin (one that declares `dependencies: ['@sentryagent/fastify']`)
 * inherit every policy of the binding: validation (unknown fields → 400), the body limit, JSON-only
 * bodies, bearer authentication and route scopes, rate limits, `beforeRequest` hooks, the error
 * handler and the OpenAPI `security` documentation. Proven with a tiny test plugin.
 */
import { createIdp, errorFactory, defineErrorCodes, type IdpExtension } from '@sentryagent/core'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ItemsOf, idParams, noContent, problemResponses, sentryAgentIdp, type SentryAgentIdpOptions } from '../src/index.js'
import { ADMIN_ID, ADMIN_SECRET, tokenFor } from './helpers.js'

const ERRORS = defineErrorCodes({ NOTES_QUOTA_EXCEEDED: { status: 429, title: 'Notes quota exceeded' } })
const notesError = errorFactory(ERRORS)

const Note = Type.Object({ id: Type.String(), text: Type.String() }, { additionalProperties: false })
const NewNote = Type.Object({ text: Type.String({ maxLength: 100_000 }) }, { additionalProperties: false })

/** The test extension: a scope and a `beforeRequest` hook that refuses requests carrying `x-veto`. */
function notesExtension(): IdpExtension {
  return {
    id: 'notes',
    scopes: ['notes:read', 'notes:write'],
    errorCodes: ERRORS,
    hooks: {
      beforeRequest: ({ route }) => {
        if (route.endsWith('/notes/vetoed')) throw notesError('NOTES_QUOTA_EXCEEDED', 'Daily notes quota reached', { retryAfterSeconds: 60 })
      },
    },
  }
}

/** The test plugin's Fastify half. */
const notesRoutes: FastifyPluginAsync = async (app) => {
  const notes = new Map<string, { id: string; text: string }>()
  app.post<{ Body: { text: string } }>(
    '/notes',
    { config: { scopes: ['notes:write'] }, schema: { body: NewNote, response: { 201: Note, ...problemResponses } } },
    async (req, reply) => {
      const note = { id: randomUUID(), text: req.body.text }
      notes.set(note.id, note)
      return reply.code(201).send(note)
    },
  )
  app.get('/notes', { config: { scopes: ['notes:read'] }, schema: { response: { 200: ItemsOf(Note), ...problemResponses } } }, async () => ({
    items: [...notes.values()],
  }))
  app.delete<{ Params: { noteId: string } }>(
    '/notes/:noteId',
    { config: { scopes: ['notes:write'] }, schema: { params: idParams('noteId'), response: { ...noContent, ...problemResponses } } },
    async (req, reply) => {
      notes.delete(req.params.noteId)
      return reply.code(204).send()
    },
  )
  app.get('/notes/vetoed', { schema: { response: { 200: Type.Object({}), ...problemResponses } } }, async () => ({}))
  app.get('/notes-status', { config: { public: true }, schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }))
}

const notesPlugin = fp(async (app) => app.register(notesRoutes, { prefix: app.idpBinding.prefix }), {
  name: 'test-notes-plugin',
  dependencies: ['@sentryagent/fastify'],
})

async function setup(options: Partial<SentryAgentIdpOptions> = {}) {
  const idp = createIdp({ issuer: 'http://localhost', extensions: [notesExtension()] })
  const app = Fastify({ requestIdHeader: 'x-request-id', genReqId: () => randomUUID() })
  await app.register(sentryAgentIdp, { idp, bodyLimitBytes: 4096, ...options })
  await app.register(notesPlugin)
  await app.ready()
  await idp.bootstrap({ clientId: ADMIN_ID, clientSecret: ADMIN_SECRET })
  const admin = await tokenFor(app, ADMIN_ID, ADMIN_SECRET)
  const narrow = await tokenFor(app, ADMIN_ID, ADMIN_SECRET, 'notes:read')
  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  return {
    app,
    idp,
    admin,
    narrow,
    auth,
    async close() {
      await app.close()
      await idp.close()
    },
  }
}

describe('routes of a plugin that depends on @sentryagent/fastify', () => {
  it('are authenticated: 401 with a Bearer challenge without a token, 403 insufficient_scope without the route scope', async () => {
    const f = await setup()
    try {
      const anonymous = await f.app.inject({ method: 'GET', url: '/api/v1/notes' })
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.headers['www-authenticate']).toBe('Bearer')
      expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(anonymous.json()).toMatchObject({ code: 'INVALID_TOKEN', status: 401 })

      const forbidden = await f.app.inject({ method: 'POST', url: '/api/v1/notes', headers: f.auth(f.narrow), payload: { text: 'x' } })
      expect(forbidden.statusCode).toBe(403)
      expect(forbidden.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
      expect(forbidden.headers['www-authenticate']).toMatch(/insufficient_scope/)

      expect((await f.app.inject({ method: 'GET', url: '/api/v1/notes', headers: f.auth(f.narrow) })).statusCode).toBe(200)
      const created = await f.app.inject({ method: 'POST', url: '/api/v1/notes', headers: f.auth(f.admin), payload: { text: 'hello' } })
      expect(created.statusCode).toBe(201)
      expect(created.headers['x-request-id']).toBeDefined()
      // A public route needs nothing.
      expect((await f.app.inject({ method: 'GET', url: '/api/v1/notes-status' })).json()).toEqual({ ok: true })
    } finally {
      await f.close()
    }
  })

  it('validate like core routes: unknown fields and bad params → 400 VALIDATION_ERROR, text bodies → 415, large bodies → 413', async () => {
    const f = await setup()
    try {
      const unknown = await f.app.inject({ method: 'POST', url: '/api/v1/notes', headers: f.auth(f.admin), payload: { text: 'x', admin: true } })
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json()).toMatchObject({ code: 'VALIDATION_ERROR', errors: [expect.objectContaining({ field: expect.any(String) })] })

      const badId = await f.app.inject({ method: 'DELETE', url: '/api/v1/notes/not%20an%20id', headers: f.auth(f.admin) })
      expect(badId.statusCode).toBe(400)
      expect(badId.json()).toMatchObject({ code: 'VALIDATION_ERROR' })

      const text = await f.app.inject({
        method: 'POST',
        url: '/api/v1/notes',
        headers: { ...f.auth(f.admin), 'content-type': 'text/plain' },
        payload: 'hello',
      })
      expect(text.statusCode).toBe(415)
      expect(text.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' })

      const large = await f.app.inject({ method: 'POST', url: '/api/v1/notes', headers: f.auth(f.admin), payload: { text: 'x'.repeat(5000) } })
      expect(large.statusCode).toBe(413)
      expect(large.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    } finally {
      await f.close()
    }
  })

  it('run the beforeRequest hooks: a refusal renders with its own code and status, and is audited', async () => {
    const f = await setup()
    try {
      const vetoed = await f.app.inject({ method: 'GET', url: '/api/v1/notes/vetoed', headers: f.auth(f.admin) })
      expect(vetoed.statusCode).toBe(429)
      expect(vetoed.headers['retry-after']).toBe('60')
      expect(vetoed.json()).toMatchObject({ code: 'NOTES_QUOTA_EXCEEDED', title: 'Notes quota exceeded', detail: 'Daily notes quota reached' })
      const audit = await f.app.inject({ method: 'GET', url: '/api/v1/audit?action=hook.vetoed', headers: f.auth(f.admin) })
      expect(audit.json().items[0]).toMatchObject({
        action: 'hook.vetoed',
        outcome: 'failure',
        details: { hook: 'beforeRequest', extensionId: 'notes', code: 'NOTES_QUOTA_EXCEEDED', operation: 'GET /api/v1/notes/vetoed' },
      })
    } finally {
      await f.close()
    }
  })

  it('are rate limited per client like core routes', async () => {
    const f = await setup({ rateLimit: { rest: { points: 2, durationSeconds: 60 } } })
    try {
      const get = () => f.app.inject({ method: 'GET', url: '/api/v1/notes', headers: f.auth(f.narrow) })
      expect([(await get()).statusCode, (await get()).statusCode]).toEqual([200, 200])
      const limited = await get()
      expect(limited.statusCode).toBe(429)
      expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' })
    } finally {
      await f.close()
    }
  })

  it('are documented in OpenAPI with bearer security and their scopes; public routes without', async () => {
    const f = await setup()
    try {
      const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json()
      expect(doc.paths['/api/v1/notes'].post.security).toEqual([{ bearerAuth: ['notes:write'] }])
      expect(doc.paths['/api/v1/notes'].get.security).toEqual([{ bearerAuth: ['notes:read'] }])
      expect(doc.paths['/api/v1/notes/vetoed'].get.security).toEqual([{ bearerAuth: [] }])
      expect(doc.paths['/api/v1/notes-status'].get.security).toBeUndefined()
      // The extension's scopes are advertised, and its routes know the binding's prefix.
      const discovery = (await f.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json()
      expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['notes:read', 'notes:write']))
    } finally {
      await f.close()
    }
  })
  it('can add their own metrics to the registry served at GET /metrics (none when metrics are off)', async () => {
    const counted = fp(
      async (app) => {
        const registry = app.idpBinding.metricsRegistry
        if (registry === undefined) return
        const notesCounter = new Counter({ name: 'agentidp_notes_total', help: 'Notes written.', registers: [] })
        registry.registerMetric(notesCounter)
        notesCounter.inc(3)
      },
      { name: 'notes-metrics', dependencies: ['@sentryagent/fastify'] },
    )
    const idp = createIdp({ issuer: 'http://localhost' })
    const app = Fastify()
    await app.register(sentryAgentIdp, { idp })
    await app.register(counted)
    await app.ready()
    try {
      const res = await app.inject('/metrics')
      expect(res.body).toMatch(/^agentidp_notes_total 3$/m)
      expect(res.body).toMatch(/agentidp_http_requests_total/)
    } finally {
      await app.close()
      await idp.close()
    }
    const quiet = Fastify()
    const idp2 = createIdp({ issuer: 'http://localhost' })
    await quiet.register(sentryAgentIdp, { idp: idp2, metrics: false })
    expect(quiet.idpBinding.metricsRegistry).toBeUndefined()
    await quiet.close()
    await idp2.close()
  })
})
