/**
 * Integration-test harness: starts the real reference server (build + listen on 127.0.0.1) on
 * embedded PGlite and, when reachable, on real PostgreSQL in a throw-away schema.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { serviceReachable } from '@sentryagent/core/testing'
import { pino } from 'pino'
import { build, type BuildOptions, type ReferenceServer } from '../src/app.js'
import { loadConfig, type ServerConfig } from '../src/config.js'

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
export const ADMIN_ID = 'admin-client'
export const ADMIN_SECRET = randomBytes(32).toString('base64url')
export const MASTER_KEY = randomBytes(32).toString('base64url')

export interface Target {
  name: 'pglite' | 'postgres'
  /** A fresh, isolated database location; `dispose` removes it. */
  create(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }>
}

async function pingPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    await client.query('select 1')
  } finally {
    await client.end()
  }
}

const pglite: Target = {
  name: 'pglite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'agentidp-it-'))
    return { env: { DATA_DIR: dir }, dispose: () => rm(dir, { recursive: true, force: true }) }
  },
}

const postgres: Target = {
  name: 'postgres',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'agentidp-it-'))
    const schema = `it_${randomBytes(6).toString('hex')}`
    return {
      env: { DATA_DIR: dir, DATABASE_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '4' },
      async dispose() {
        const client = new pg.Client({ connectionString: DATABASE_URL })
        await client.connect()
        await client.query(`drop schema if exists ${schema} cascade`)
        await client.end()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
}

/** PGlite always; PostgreSQL when it answers (and always under CI=true, where absence fails). */
export const TARGETS: Target[] = [pglite, ...((await serviceReachable('postgres', pingPostgres)) ? [postgres] : [])]

/** A port that was free a moment ago (the issuer must name the real port for discovery clients). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface Running extends ReferenceServer {
  url: string
  config: ServerConfig
  close(): Promise<void>
}

/** Builds and starts the reference server with `env` (plus fixed admin credentials and master key). */
export async function startServer(env: Record<string, string>, options: Pick<BuildOptions, 'knownPlugins'> = {}): Promise<Running> {
  const port = await freePort()
  const config = loadConfig({
    PORT: String(port),
    // With a certificate (TLS_CERT_FILE) the server speaks https, and so must its issuer.
    ISSUER: `${env['TLS_CERT_FILE'] === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
    SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
    SENTRYAGENT_MASTER_KEY: MASTER_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  })
  const server = await build(config, { ...options, logger: pino({ level: 'silent' }) })
  await server.app.listen({ port: config.port, host: '127.0.0.1' })
  return { ...server, url: config.issuer, config, close: () => server.app.close() }
}

/** Starts the server on a fresh database of `target`; its `close()` also drops that database. */
export async function startOn(target: Target, env: Record<string, string> = {}, options: Pick<BuildOptions, 'knownPlugins'> = {}): Promise<Running> {
  const db = await target.create()
  try {
    const server = await startServer({ ...db.env, ...env }, options)
    return {
      ...server,
      close: async () => {
        await server.close()
        await db.dispose()
      },
    }
  } catch (err) {
    await db.dispose()
    throw err
  }
}

/** Small fetch helpers for the HTTP API. */
export function api(base: string) {
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const headers: Record<string, string> = {}
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) }
  }
  const form = async (path: string, params: Record<string, string>, auth?: { id: string; secret: string }) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
    if (auth !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${auth.id}:${auth.secret}`).toString('base64')}`
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: new URLSearchParams(params).toString() })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) }
  }
  const token = async (id: string, secret: string, scope?: string): Promise<string> => {
    const res = await form('/oauth2/token', { grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }, { id, secret })
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`)
    return String(res.body?.['access_token'])
  }
  return { call, form, token }
}

/**
 * Registers an agent (given scopes; `fields` override the defaults) in an existing organization with
 * one credential; returns its id and the credential.
 */
export async function addAgent(base: string, adminToken: string, organizationId: string, name: string, scopes: string[], fields: Record<string, unknown> = {}) {
  const { call } = api(base)
  const agent = await call('POST', '/api/v1/agents', adminToken, {
    organizationId,
    name,
    agentType: 'orchestrator',
    version: '1.0.0',
    capabilities: [],
    owner: 'it',
    deploymentEnv: 'production',
    scopes,
    ...fields,
  })
  if (agent.status !== 201) throw new Error(`agent: ${agent.status} ${JSON.stringify(agent.body)}`)
  const agentId = String(agent.body?.['agentId'])
  const cred = await call('POST', `/api/v1/agents/${agentId}/credentials`, adminToken, {})
  if (cred.status !== 201) throw new Error(`credential: ${cred.status} ${JSON.stringify(cred.body)}`)
  return {
    agentId,
    credentialId: String(cred.body?.['credentialId']),
    clientId: String(cred.body?.['clientId']),
    clientSecret: String(cred.body?.['clientSecret']),
  }
}

/** Creates an organization with one agent (given scopes) and a credential; returns their ids and secret. */
export async function provisionTenant(base: string, adminToken: string, slug: string, scopes: string[]) {
  const { call } = api(base)
  const org = await call('POST', '/api/v1/organizations', adminToken, { name: slug, slug })
  if (org.status !== 201) throw new Error(`org: ${org.status} ${JSON.stringify(org.body)}`)
  const organizationId = String(org.body?.['organizationId'])
  const { agentId, clientId, clientSecret, credentialId } = await addAgent(base, adminToken, organizationId, `${slug}-agent`, scopes, {
    email: `agent@${slug}.example`,
    capabilities: ['documents:read'],
    owner: slug,
  })
  return { organizationId, agentId, credentialId, clientId, clientSecret }
}
