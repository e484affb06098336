/**
 * Failed client authentication latency: a wrong secret for a client id that exists against a
 * client id that does not (issue 10, finding 13). If the two differ, response timing tells an
 * attacker which client ids exist. Measured against the reference server as a separate process,
 * one request at a time over a kept-alive connection, the two kinds interleaved in random order so
 * that drift hits both alike. The target is a known/unknown median ratio of about 1.0.
 *
 *   npm run bench:auth-timing
 *
 * Knobs: BENCH_TIMING_CONFIGS (postgres,memory; also pglite), BENCH_TIMING_REQUESTS (2000 per kind),
 * BENCH_TIMING_WARMUP (200 per kind), DATABASE_URL. Writes bench/results/auth-failure-timing.md.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort, REFERENCE_SERVER, startNodeProcess, type ServerProcess } from './lib/processes.js'
import { provisionOurs } from './lib/scenarios.js'

const env = process.env
const num = (name: string, fallback: number) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]))
const CONFIGS = (env['BENCH_TIMING_CONFIGS'] ?? 'postgres,memory').split(',').map((s) => s.trim()).filter((s) => s !== '')
const REQUESTS = num('BENCH_TIMING_REQUESTS', 2000)
const WARMUP = num('BENCH_TIMING_WARMUP', 200)
const DATABASE_URL = env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

interface Stats {
  median: number
  p90: number
  mean: number
}

const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
  return { median: at(0.5), p90: at(0.9), mean: xs.reduce((a, b) => a + b, 0) / xs.length }
}

/** One wrong-secret token request (client_secret_basic); resolves with its latency in ms. */
function attempt(agent: Agent, url: URL, clientId: string): Promise<number> {
  const body = 'grant_type=client_credentials'
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${randomBytes(32).toString('base64url')}`).toString('base64')
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), authorization: `Basic ${basic}` },
      },
      (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== 401) reject(new Error(`expected 401, got ${res.statusCode}`))
          else resolve(performance.now() - started)
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

interface Started {
  server: ServerProcess
  admin: { id: string; secret: string }
  cleanup(): Promise<void>
}

async function startServer(config: string): Promise<Started> {
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'agentidp-bench-'))
  const admin = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') }
  const schema = config === 'postgres' ? `bench_${randomBytes(4).toString('hex')}` : undefined
  const server = await startNodeProcess(
    `ours ${config}`,
    REFERENCE_SERVER,
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      SENTRYAGENT_MASTER_KEY: randomBytes(32).toString('base64url'),
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: admin.id,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: admin.secret,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      // Every attempt fails on purpose: keep the brute-force limits out of the way.
      RATE_LIMIT_AUTH_FAILURES: '1000000',
      RATE_LIMIT_TOKEN_IP_POINTS: '1000000',
      RATE_LIMIT_TOKEN_CLIENT_POINTS: '1000000',
      ...(config === 'memory' ? { STORAGE: 'memory' } : {}),
      ...(schema === undefined ? {} : { DATABASE_URL, DATABASE_SCHEMA: schema }),
    },
    `http://127.0.0.1:${port}/health`,
  )
  return {
    server,
    admin,
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

interface Row {
  config: string
  known: Stats
  unknown: Stats
}

async function measureConfig(config: string): Promise<Row> {
  const started = await startServer(config)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const target = await provisionOurs(started.server.url, started.admin)
    const knownId = target.basic.id
    // An id of the same shape and length that names no client.
    const unknownId = `${knownId.slice(0, 4)}${randomBytes(knownId.length).toString('hex').slice(0, knownId.length - 4)}`
    const url = new URL('/oauth2/token', started.server.url)
    const run = async (n: number) => {
      const order = [...Array<boolean>(n).fill(true), ...Array<boolean>(n).fill(false)].sort(() => Math.random() - 0.5)
      const known: number[] = []
      const unknown: number[] = []
      for (const isKnown of order) (isKnown ? known : unknown).push(await attempt(agent, url, isKnown ? knownId : unknownId))
      return { known, unknown }
    }
    log(`${config}: warm-up (${WARMUP} per kind)`)
    await run(WARMUP)
    log(`${config}: ${REQUESTS} per kind`)
    const { known, unknown } = await run(REQUESTS)
    return { config, known: stats(known), unknown: stats(unknown) }
  } finally {
    agent.destroy()
    await started.cleanup()
  }
}

const ms = (x: number) => x.toFixed(2)

async function main(): Promise<void> {
  const rows: Row[] = []
  for (const config of CONFIGS) rows.push(await measureConfig(config))
  const lines = [
    '# Failed client authentication: known vs unknown client id',
    '',
    `\`npm run bench:auth-timing\` (${new Date().toISOString().slice(0, 10)}): wrong-secret token requests (client_secret_basic), one at a time`,
    `over a kept-alive connection, ${REQUESTS} per kind after ${WARMUP} warm-up, the kinds interleaved at random. Latency in ms`,
    'measured by the client. A ratio near 1.00 means the response time does not tell whether a client id exists.',
    '',
    '| configuration | known id median | unknown id median | known/unknown (median) | known p90 | unknown p90 | known/unknown (mean) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.config} | ${ms(r.known.median)} | ${ms(r.unknown.median)} | **${(r.known.median / r.unknown.median).toFixed(2)}** | ${ms(r.known.p90)} | ${ms(r.unknown.p90)} | ${(r.known.mean / r.unknown.mean).toFixed(2)} |`,
    ),
    '',
  ]
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  await writeFile(new URL('./results/auth-failure-timing.md', import.meta.url), lines.join('\n'))
  process.stdout.write(lines.join('\n'))
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
