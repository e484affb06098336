/**
 * A Vault-API-faithful HTTP stand-in for tests (no Vault server can be installed here), written
 * from Vault's API documentation: `/v1/` paths, `X-Vault-Token` and `X-Vault-Namespace` headers,
 * `{ data: … }` / `{ auth: … }` bodies, `{ errors: [...] }` error shapes and statuses, Transit
 * ecdsa-p256 keys with versions (`vault:v<N>:` signatures, `marshaling_algorithm` asn1|jws,
 * `key_version`, rotate), KV v2 (`data/` and `metadata/`, versions), AppRole login and
 * `sys/health`. State survives `stop()`/`start()`, so a test can take "Vault" down and back up.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

interface TransitKey {
  versions: Map<number, { privateKey: KeyObject; publicPem: string; createdAt: Date }>
  latest: number
}

export interface VaultStandIn {
  /** `http://127.0.0.1:<port>` (stable across stop/start). */
  readonly address: string
  readonly rootToken: string
  readonly appRole: { roleId: string; secretId: string }
  /** Every request seen: method, path, namespace header. */
  readonly requests: { method: string; path: string; namespace: string | undefined }[]
  /** Answers the next `count` requests with `status` (503 by default) and Vault's error shape. */
  failNext(count: number, status?: number): void
  /** Revokes every token issued by AppRole login (as if they expired). */
  expireAppRoleTokens(): void
  start(): Promise<void>
  stop(): Promise<void>
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end()
    return
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

const errors = (res: ServerResponse, status: number, ...messages: string[]) => send(res, status, { errors: messages })

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
}

function newVersion() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { privateKey, publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), createdAt: new Date() }
}

/** Starts a stand-in on a random port; `namespace` makes it require that `X-Vault-Namespace`. */
export async function startVaultStandIn(options: { namespace?: string; port?: number } = {}): Promise<VaultStandIn> {
  const rootToken = `hvs.${randomBytes(12).toString('base64url')}`
  const appRole = { roleId: randomBytes(8).toString('hex'), secretId: randomBytes(16).toString('hex') }
  const tokens = new Set<string>([rootToken])
  const appRoleTokens = new Set<string>()
  const transit = new Map<string, TransitKey>()
  const kv = new Map<string, { versions: { data: Record<string, unknown>; createdAt: Date }[] }>()
  const requests: VaultStandIn['requests'] = []
  let failures: { count: number; status: number } = { count: 0, status: 503 }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://vault')
    const method = req.method ?? 'GET'
    const path = url.pathname
    const namespace = typeof req.headers['x-vault-namespace'] === 'string' ? req.headers['x-vault-namespace'] : undefined
    requests.push({ method, path, namespace })
    if (failures.count > 0) {
      failures.count--
      return errors(res, failures.status, 'Vault is sealed')
    }
    if (method === 'GET' && path === '/v1/sys/health') {
      return send(res, 200, { initialized: true, sealed: false, standby: false, version: '1.17.0-standin', cluster_name: 'stand-in' })
    }
    if (options.namespace !== undefined && namespace !== options.namespace) {
      return errors(res, 403, 'permission denied')
    }
    if (method === 'POST' && path === '/v1/auth/approle/login') {
      const body = await readJson(req)
      if (body['role_id'] !== appRole.roleId || body['secret_id'] !== appRole.secretId) return errors(res, 400, 'invalid role or secret ID')
      const token = `hvs.${randomBytes(12).toString('base64url')}`
      tokens.add(token)
      appRoleTokens.add(token)
      return send(res, 200, {
        request_id: randomBytes(8).toString('hex'),
        auth: { client_token: token, accessor: randomBytes(8).toString('hex'), policies: ['default', 'agentidp'], lease_duration: 3600, renewable: true },
      })
    }
    const token = req.headers['x-vault-token']
    if (typeof token !== 'string' || !tokens.has(token)) return errors(res, 403, 'permission denied')

    let m: RegExpExecArray | null
    if ((m = /^\/v1\/transit\/keys\/([A-Za-z0-9_.-]+)$/.exec(path)) !== null) {
      const name = m[1] ?? ''
      if (method === 'POST') {
        const body = await readJson(req)
        const type = body['type'] ?? 'aes256-gcm96'
        if (type !== 'ecdsa-p256') return errors(res, 400, `stand-in supports only ecdsa-p256, got ${String(type)}`)
        if (!transit.has(name)) transit.set(name, { versions: new Map([[1, newVersion()]]), latest: 1 })
        return send(res, 204)
      }
      if (method === 'GET') {
        const key = transit.get(name)
        if (key === undefined) return errors(res, 404)
        const keys: Record<string, unknown> = {}
        for (const [v, k] of key.versions) keys[String(v)] = { creation_time: k.createdAt.toISOString(), name: 'P-256', public_key: k.publicPem }
        return send(res, 200, {
          data: {
            name,
            type: 'ecdsa-p256',
            keys,
            latest_version: key.latest,
            min_available_version: 0,
            min_decryption_version: 1,
            min_encryption_version: 0,
            supports_signing: true,
            exportable: false,
            deletion_allowed: false,
          },
        })
      }
    }
    if (method === 'POST' && (m = /^\/v1\/transit\/keys\/([A-Za-z0-9_.-]+)\/rotate$/.exec(path)) !== null) {
      const key = transit.get(m[1] ?? '')
      if (key === undefined) return errors(res, 400, 'key not found')
      key.latest += 1
      key.versions.set(key.latest, newVersion())
      return send(res, 204)
    }
    if (method === 'POST' && (m = /^\/v1\/transit\/sign\/([A-Za-z0-9_.-]+)(?:\/(sha2-256))?$/.exec(path)) !== null) {
      const key = transit.get(m[1] ?? '')
      if (key === undefined) return errors(res, 400, 'signing key not found')
      const body = await readJson(req)
      if (typeof body['input'] !== 'string') return errors(res, 400, 'missing input to process')
      const version = typeof body['key_version'] === 'number' && body['key_version'] > 0 ? body['key_version'] : key.latest
      const k = key.versions.get(version)
      if (k === undefined) return errors(res, 400, 'requested version for signing is not available')
      const marshaling = body['marshaling_algorithm'] ?? 'asn1'
      if (marshaling !== 'asn1' && marshaling !== 'jws') return errors(res, 400, 'unsupported marshaling type')
      const sig = cryptoSign('sha256', Buffer.from(body['input'], 'base64'), {
        key: createPrivateKey(k.privateKey.export({ format: 'pem', type: 'pkcs8' })),
        dsaEncoding: marshaling === 'jws' ? 'ieee-p1363' : 'der',
      })
      const encoded = marshaling === 'jws' ? sig.toString('base64url') : sig.toString('base64')
      return send(res, 200, { data: { signature: `vault:v${version}:${encoded}`, key_version: version } })
    }
    if ((m = /^\/v1\/secret\/(data|metadata)\/(.+)$/.exec(path)) !== null) {
      const [, kind, secretPath = ''] = m
      const entry = kv.get(secretPath)
      if (kind === 'data' && (method === 'POST' || method === 'PUT')) {
        const body = await readJson(req)
        if (typeof body['data'] !== 'object' || body['data'] === null) return errors(res, 400, 'no data provided')
        const e = entry ?? { versions: [] }
        e.versions.push({ data: body['data'] as Record<string, unknown>, createdAt: new Date() })
        kv.set(secretPath, e)
        return send(res, 200, {
          data: { created_time: new Date().toISOString(), custom_metadata: null, deletion_time: '', destroyed: false, version: e.versions.length },
        })
      }
      if (kind === 'data' && method === 'GET') {
        const last = entry?.versions[entry.versions.length - 1]
        if (entry === undefined || last === undefined) return errors(res, 404)
        return send(res, 200, {
          data: {
            data: last.data,
            metadata: { created_time: last.createdAt.toISOString(), custom_metadata: null, deletion_time: '', destroyed: false, version: entry.versions.length },
          },
        })
      }
      if (kind === 'metadata' && method === 'DELETE') {
        kv.delete(secretPath)
        return send(res, 204)
      }
    }
    return errors(res, 404, `no handler for route "${path.replace(/^\/v1\//, '')}". route entry not found.`)
  }

  let server: Server | undefined
  const sockets = new Set<Socket>()
  let port = options.port ?? 0
  const standIn: VaultStandIn = {
    get address() {
      return `http://127.0.0.1:${port}`
    },
    rootToken,
    appRole,
    requests,
    failNext(count, status = 503) {
      failures = { count, status }
    },
    expireAppRoleTokens() {
      for (const t of appRoleTokens) tokens.delete(t)
      appRoleTokens.clear()
    },
    async start() {
      const srv = createServer((req, res) => {
        handle(req, res).catch(() => errors(res, 500, 'internal error'))
      })
      srv.on('connection', (s) => {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
      })
      await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve))
      const a = srv.address()
      if (typeof a === 'object' && a !== null) port = a.port
      server = srv
    },
    async stop() {
      const srv = server
      server = undefined
      if (srv === undefined) return
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }
  await standIn.start()
  return standIn
}
