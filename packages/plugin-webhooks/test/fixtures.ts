/**
 * Test fixtures of the webhooks plugin: an IdP with the plugin on memory, PGlite and (when
 * reachable) PostgreSQL storage, an injected clock, and receivers on 127.0.0.1.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPgliteStorage, createPostgresStorage, type PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import { createIdp, createMemoryStorage, type ExtensionApi, type Idp, type RequestContext, type SecretStore, type Storage } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import pg from 'pg'
import { createWebhooksPlugin, type WebhooksOptions, type WebhooksPlugin } from '../src/index.js'

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end().catch(() => undefined)
  }
}

export interface StorageTarget {
  name: string
  /** A fresh storage (with the plugin's tables); `shared` gives a second storage on the same database. */
  create(extensions: readonly PostgresStorageExtension[]): Promise<{
    storage: Storage
    second?: () => Promise<Storage>
    dispose(): Promise<void>
  }>
}

const memory: StorageTarget = {
  name: 'memory',
  async create(extensions) {
    const storage = createMemoryStorage({ extensions })
    return { storage, dispose: async () => undefined }
  },
}

const pglite: StorageTarget = {
  name: 'pglite',
  async create(extensions) {
    const storage = await createPgliteStorage({ extensions })
    return { storage, dispose: () => storage.close() }
  },
}

const postgres: StorageTarget = {
  name: 'postgres',
  async create(extensions) {
    const schema = `whk_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    const open = () => createPostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 4, extensions })
    const storage = await open()
    const others: Storage[] = []
    return {
      storage,
      second: async () => {
        const s = await open()
        others.push(s)
        return s
      },
      async dispose() {
        for (const s of others) await s.close()
        await storage.close()
        await adminQuery(`drop schema if exists ${schema} cascade`)
      },
    }
  },
}

/** Memory and PGlite always; PostgreSQL when it answers (under CI=true its absence fails). */
export const STORAGE_TARGETS: StorageTarget[] = [memory, pglite, ...((await serviceReachable('postgres', () => adminQuery('select 1'))) ? [postgres] : [])]

/** A clock the test moves. */
export function manualClock(start = new Date('2030-01-01T00:00:00.000Z')) {
  let now = start.getTime()
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms
    },
  }
}

export interface TestIdp {
  idp: Idp
  plugin: WebhooksPlugin
  api: ExtensionApi
  organizationId: string
  /** A context in the organization holding the plugin's scopes (the system actor). */
  ctx: RequestContext
  close(): Promise<void>
}

/** An IdP with the webhooks plugin (and a helper extension capturing the extension api). */
export async function startIdp(storage: Storage, clock: () => Date, options: WebhooksOptions = {}, secrets?: SecretStore): Promise<TestIdp> {
  const plugin = createWebhooksPlugin({ allowPrivateUrls: true, deliveryIntervalMs: 2_592_000_000, random: () => 0.5, ...options })
  let api: ExtensionApi | undefined
  const idp = createIdp({
    issuer: 'http://127.0.0.1',
    storage,
    clock,
    // A second process shares the first's secret store, as processes share Vault or the database.
    ...(secrets === undefined ? {} : { secrets }),
    extensions: [plugin.extension, { id: 'harness', init: (a) => void (api = a) }],
  })
  await idp.ready()
  const boot = await idp.bootstrap()
  if (api === undefined) throw new Error('no api')
  const captured: ExtensionApi = api
  const ctx = await captured.systemContext(boot.organizationId, 'test')
  return {
    idp,
    plugin,
    api: captured,
    organizationId: boot.organizationId,
    ctx,
    close: async () => {
      await plugin.runtime.service().http.close()
      await idp.close()
    },
  }
}

export interface Received {
  headers: IncomingHttpHeaders
  body: string
}

/** An HTTP receiver on 127.0.0.1: `status` answers each request (or `'drop'` closes the socket). */
export async function receiver(status: () => number | 'drop' = () => 204) {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      const answer = status()
      if (answer === 'drop') req.socket.destroy()
      else res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Plain node:crypto verification of both signature headers. */
export function verifyWithCrypto(secret: string, received: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const id = String(received.headers['webhook-id'])
  const timestamp = String(received.headers['webhook-timestamp'])
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${received.body}`).digest('base64')
  const signatures = String(received.headers['webhook-signature']).split(' ').map((s) => s.replace(/^v1,/, ''))
  const compat = `sha256=${createHmac('sha256', key).update(received.body).digest('hex')}`
  return signatures.includes(expected) && received.headers['x-sentryagent-signature'] === compat
}
