/**
 * Test fixture: a Fastify server with the plugin on a memory-backed `createIdp()`, a bootstrapped
 * platform administrator, and helpers to obtain tokens.
 */
import { createIdp, type Idp } from '@sentryagent/core'
import Fastify, { type FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { sentryAgentIdp, type SentryAgentIdpOptions } from '../src/index.js'

export const ADMIN_ID = 'admin'
export const ADMIN_SECRET = 'x'.repeat(43)

export interface Fixture {
  app: FastifyInstance
  idp: Idp
  /** An access token of the platform administrator (every scope). */
  adminToken: string
  close(): Promise<void>
}

export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

export const form = (params: Record<string, string>): string => new URLSearchParams(params).toString()

/** Obtains a client_credentials access token through the HTTP endpoint. */
export async function tokenFor(app: FastifyInstance, clientId: string, clientSecret: string, scope?: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, clientSecret) },
    payload: form({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }),
  })
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`)
  const body: unknown = res.json()
  if (typeof body !== 'object' || body === null || !('access_token' in body) || typeof body.access_token !== 'string') {
    throw new Error('no access_token')
  }
  return body.access_token
}

/** Builds the fixture; `options` are merged into the plugin options. */
export async function setup(options: Partial<SentryAgentIdpOptions> = {}): Promise<Fixture> {
  const idp = createIdp({ issuer: 'http://localhost' })
  const app = Fastify({ requestIdHeader: 'x-request-id', genReqId: () => randomUUID() })
  await app.register(sentryAgentIdp, { idp, ...options })
  await app.ready()
  await idp.bootstrap({ clientId: ADMIN_ID, clientSecret: ADMIN_SECRET })
  const adminToken = await tokenFor(app, ADMIN_ID, ADMIN_SECRET)
  return {
    app,
    idp,
    adminToken,
    async close() {
      await app.close()
      await idp.close()
    },
  }
}

/** A valid `POST /agents` body. */
export const agentBody = (overrides: Record<string, unknown> = {}) => ({
  name: `agent-${Math.random().toString(36).slice(2, 8)}`,
  agentType: 'classifier',
  version: '1.0.0',
  capabilities: ['documents:read'],
  owner: 'team-a',
  deploymentEnv: 'development',
  ...overrides,
})
