/**
 * `npm run bench`: our reference server (memory, PGlite, PostgreSQL, PostgreSQL + Redis) against
 * oidc-provider (in memory, RFC 9068 ES256 JWT access tokens), each a separate process on
 * 127.0.0.1, loaded with autocannon in alternating A/B rounds; plus offline verification with jose
 * and the cost growth with registered agents and audit log size. Writes bench/results/latest.md.
 *
 * Knobs (environment): BENCH_DURATION (10 s), BENCH_WARMUP (3 s), BENCH_ROUNDS (2),
 * BENCH_CONNECTIONS (16,64), BENCH_SCENARIOS (token-basic,token-pkjwt,introspect,protected,token-exchange), BENCH_CONFIGS (memory,pglite,postgres,postgres-redis),
 * BENCH_SCALE_AGENTS (1000,100000; empty = skip), BENCH_SCALE_AUDIT (1000000; 0 = skip),
 * DATABASE_URL, REDIS_URL, BENCH_CPU_PROF (directory: profile the servers with --cpu-prof).
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { measure, medianOf, type LoadSettings, type RunResult } from './lib/load.js'
import { freePort, REFERENCE_SERVER, startNodeProcess, type ServerProcess } from './lib/processes.js'
import { renderReport, type Row, type ScaleRow } from './lib/report.js'
import { obtainToken, provisionOurs, requestFor, sendOnce, type ScenarioName, type Target } from './lib/scenarios.js'
import { seedAgents, seedAudit } from './lib/seed.js'
import { verifyOffline } from './lib/verify-offline.js'

const env = process.env
const num = (name: string, fallback: number) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]))
const list = (name: string, fallback: string) => (env[name] ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '')
const settings: LoadSettings = { durationSeconds: num('BENCH_DURATION', 10), warmupSeconds: num('BENCH_WARMUP', 3) }
const ROUNDS = num('BENCH_ROUNDS', 2)
const CONNECTIONS = list('BENCH_CONNECTIONS', '16,64').map(Number)
const CONFIGS = list('BENCH_CONFIGS', 'memory,pglite,postgres,postgres-redis')
const SCALE_AGENTS = list('BENCH_SCALE_AGENTS', '1000,100000').map(Number)
const SCALE_AUDIT = num('BENCH_SCALE_AUDIT', 1_000_000)
const DATABASE_URL = env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
const ALL_SCENARIOS: readonly ScenarioName[] = ['token-basic', 'token-pkjwt', 'introspect', 'protected', 'token-exchange']
const SCENARIOS = list('BENCH_SCENARIOS', ALL_SCENARIOS.join(',')).filter((s): s is ScenarioName => (ALL_SCENARIOS as readonly string[]).includes(s))

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

async function startPeer(): Promise<{ server: ServerProcess; target: Target }> {
  const port = await freePort()
  const secret = randomBytes(24).toString('base64url')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const server = await startNodeProcess(
    'peer oidc-provider',
    'bench/peer/oidc-provider-server.ts',
    { PORT: String(port), PEER_CLIENT_SECRET: secret, PEER_PKJWT_JWK: JSON.stringify(publicKey.export({ format: 'jwk' })), NODE_ENV: 'production' },
    `http://127.0.0.1:${port}/.well-known/openid-configuration`,
  )
  try {
    return await peerTarget(server, secret, privateKey)
  } catch (err) {
    await server.stop()
    throw err
  }
}

async function peerTarget(server: ServerProcess, secret: string, privateKey: KeyObject): Promise<{ server: ServerProcess; target: Target }> {
  const base: Target = { paths: { token: '/token', introspect: '/token/introspection' }, basic: { id: 'bench-basic', secret }, pkjwt: { clientId: 'bench-pkjwt', key: privateKey, kid: undefined, audience: server.url }, tokenParams: {}, introspected: '' }
  await obtainToken(server.url, base) // throws unless RFC 9068 (typ at+jwt, ES256)
  const opaque = await obtainToken(server.url, base, { resource: 'urn:bench:opaque' }, false)
  return { server, target: { ...base, introspected: opaque } }
}

async function startOurs(config: string): Promise<{ server: ServerProcess; target: Awaited<ReturnType<typeof provisionOurs>>; schema?: string; cleanup: () => Promise<void> }> {
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'agentidp-bench-'))
  const admin = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') }
  const schema = config.startsWith('postgres') ? `bench_${randomBytes(4).toString('hex')}` : undefined
  const e: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    SENTRYAGENT_MASTER_KEY: randomBytes(32).toString('base64url'),
    SENTRYAGENT_BOOTSTRAP_CLIENT_ID: admin.id,
    SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: admin.secret,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // Limits far above what two cores can serve: the limiter stays in the path, never answers 429.
    RATE_LIMIT_REST_POINTS: '1000000',
    RATE_LIMIT_TOKEN_CLIENT_POINTS: '1000000',
    RATE_LIMIT_TOKEN_IP_POINTS: '1000000',
    RATE_LIMIT_INTROSPECT_IP_POINTS: '1000000',
    ...(config === 'memory' ? { STORAGE: 'memory' } : {}),
    ...(schema === undefined ? {} : { DATABASE_URL, DATABASE_SCHEMA: schema }),
    ...(config === 'postgres-redis' ? { REDIS_URL, REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:` } : {}),
  }
  const server = await startNodeProcess(`ours ${config}`, REFERENCE_SERVER, e, `http://127.0.0.1:${port}/health`)
  const target = await provisionOurs(server.url, admin).catch(async (err: unknown) => {
    await server.stop()
    throw err
  })
  return {
    server,
    target,
    ...(schema === undefined ? {} : { schema }),
    async cleanup() {
      await server.stop()
      await rm(dataDir, { recursive: true, force: true })
      if (schema !== undefined) {
        const client = new pg.Client({ connectionString: DATABASE_URL })
        await client.connect()
        await client.query(`drop schema if exists ${schema} cascade`)
        await client.end()
      }
    },
  }
}

/** Sanity: one request of each scenario answers 2xx (introspection: active). */
async function sanity(server: ServerProcess, target: Target): Promise<void> {
  for (const s of ALL_SCENARIOS) {
    const spec = requestFor(s, target)
    if (spec === undefined) continue
    const body = await sendOnce(server.url, spec)
    if (s === 'introspect' && body['active'] !== true) throw new Error(`${server.name}: introspection answered ${JSON.stringify(body)}`)
  }
}

async function pair(ours: { server: ServerProcess; target: Target }, peer: { server: ServerProcess; target: Target }, scenario: ScenarioName, connections: number) {
  const a = requestFor(scenario, ours.target)
  const b = requestFor(scenario, peer.target)
  if (a === undefined) throw new Error(`no request for ${scenario}`)
  const oursRuns: RunResult[] = []
  const peerRuns: RunResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const)
    for (const who of order) {
      if (who === 'ours') oursRuns.push(await measure(ours.server, a, connections, settings))
      else if (b !== undefined) peerRuns.push(await measure(peer.server, b, connections, settings))
    }
  }
  return { ours: medianOf(oursRuns), ...(peerRuns.length === 0 ? {} : { peer: medianOf(peerRuns) }) }
}

async function tokens(base: string, target: Target, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(await obtainToken(base, target))
  return out
}

async function main(): Promise<void> {
  const started = new Date()
  const rows: Row[] = []
  const scale: ScaleRow[] = []
  const offline: { ours?: number; peer?: number } = {}
  log(`settings: ${JSON.stringify({ ...settings, ROUNDS, CONNECTIONS, CONFIGS, SCALE_AGENTS, SCALE_AUDIT })}`)
  const peer = await startPeer()
  try {
    await sanity(peer.server, peer.target)
    for (const config of CONFIGS) {
      log(`starting ours (${config})`)
      const ours = await startOurs(config)
      try {
        await sanity(ours.server, ours.target)
        if (offline.ours === undefined) {
          offline.ours = await verifyOffline(`${ours.server.url}/.well-known/jwks.json`, await tokens(ours.server.url, ours.target, 100), 3)
          offline.peer = await verifyOffline(`${peer.server.url}/jwks`, await tokens(peer.server.url, peer.target, 100), 3)
        }
        for (const scenario of SCENARIOS) {
          for (const connections of CONNECTIONS) {
            log(`${config} ${scenario} c=${connections}`)
            rows.push({ config, scenario, connections, ...(await pair(ours, peer, scenario, connections)) })
          }
        }
        if (config === 'postgres-redis' && ours.schema !== undefined) {
          const c = Math.max(...CONNECTIONS)
          const once = async (label: string) => {
            for (const scenario of ['token-basic', 'protected'] as const) {
              const spec = requestFor(scenario, ours.target)
              if (spec !== undefined) scale.push({ label, scenario, connections: c, result: await measure(ours.server, spec, c, settings) })
            }
          }
          await once('baseline (1 agent)')
          let agents = 1
          for (const size of SCALE_AGENTS) {
            log(`seeding agents to ${size}`)
            await seedAgents(DATABASE_URL, ours.schema, ours.target.organizationId, size - agents)
            agents = size
            await once(`${size.toLocaleString('en')} agents`)
          }
          if (SCALE_AUDIT > 0) {
            log(`seeding ${SCALE_AUDIT} audit events`)
            await seedAudit(DATABASE_URL, ours.schema, ours.target.organizationId, SCALE_AUDIT)
            await once(`${agents.toLocaleString('en')} agents + ${SCALE_AUDIT.toLocaleString('en')} audit events`)
          }
        }
      } finally {
        await ours.cleanup()
      }
    }
  } finally {
    await peer.server.stop()
  }
  const md = renderReport({ started, settings, rounds: ROUNDS, cpus: cpus().length, rows, scale, offline })
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  await writeFile(new URL('./results/latest.md', import.meta.url), md)
  process.stdout.write(md)
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
