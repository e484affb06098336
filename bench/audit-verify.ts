/**
 * `npm run bench:verify`: does one tenant's `GET /audit/verify` starve the others? (issue 10,
 * finding 7). The reference server runs on PostgreSQL as its own process; organization A holds a
 * large audit log (seeded through the storage API, sealed by a checkpoint as the periodic job would)
 * and fires waves of concurrent verifications for the whole measured run, while autocannon measures
 * organization B's token issuance. Phases (each verifying organization is a fresh one, so that A's
 * 30/min budget starts full in every phase):
 *
 * - `idle`: no verification;
 * - `verify`: waves of `GET /audit/verify` (the default mode);
 * - `verify-full`: waves of `GET /audit/verify?full=true` (every event recomputed).
 *
 * Knobs: BENCH_DURATION (10 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (8), BENCH_VERIFY_EVENTS
 * (40000), BENCH_VERIFY_WAVE (15 concurrent calls), BENCH_VERIFY_PHASES (idle,verify,verify-full),
 * BENCH_ROUNDS (1), BENCH_VERIFY_LABEL ('current code'), DATABASE_URL. Writes the table, as the section
 * of its label, into bench/results/audit-verify.md and bench/results/latest.md (other sections are kept:
 * run once with BENCH_VERIFY_LABEL naming an older commit to keep a before/after pair).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { measure, medianOf, type RequestSpec, type RunResult } from './lib/load.js'
import { basic, call, token } from './lib/http.js'
import { freePort, REFERENCE_SERVER, startNodeProcess, type ServerProcess } from './lib/processes.js'
import { seedAudit } from './lib/seed.js'

const env = process.env
const num = (name: string, fallback: number) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]))
const DURATION = num('BENCH_DURATION', 10)
const WARMUP = num('BENCH_WARMUP', 2)
const CONNECTIONS = num('BENCH_CONNECTIONS', 8)
const EVENTS = num('BENCH_VERIFY_EVENTS', 40_000)
const WAVE = num('BENCH_VERIFY_WAVE', 15)
const ROUNDS = num('BENCH_ROUNDS', 1)
const PHASES = (env['BENCH_VERIFY_PHASES'] ?? 'idle,verify,verify-full').split(',').map((s) => s.trim()) as Phase[]
const DATABASE_URL = env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

const LABEL = env['BENCH_VERIFY_LABEL'] ?? 'current code'

type Phase = 'idle' | 'verify' | 'verify-full'
const log = (msg: string) => process.stderr.write(`[bench:verify] ${msg}\n`)

interface Tenant {
  organizationId: string
  clientId: string
  clientSecret: string
}




/** An organization with one agent holding `scopes` and a client secret. */
async function provision(base: string, adminToken: string, scopes: string[]): Promise<Tenant> {
  const slug = `verify-${randomUUID().slice(0, 8)}`
  const org = await call(base, 'POST', '/api/v1/organizations', adminToken, { name: slug, slug })
  const organizationId = String(org['organizationId'])
  const agent = await call(base, 'POST', '/api/v1/agents', adminToken, {
    organizationId,
    name: `${slug}-agent`,
    agentType: 'monitor',
    version: '1.0.0',
    capabilities: ['audit:read'],
    owner: slug,
    deploymentEnv: 'production',
    scopes,
  })
  const cred = await call(base, 'POST', `/api/v1/agents/${String(agent['agentId'])}/credentials`, adminToken, {})
  return { organizationId, clientId: String(cred['clientId']), clientSecret: String(cred['clientSecret']) }
}

/** Figures of the verifying organization during one measured phase. */
interface VerifyLoad {
  ok: number
  limited: number
  other: number
  /** Median latency of the answered verifications, ms. */
  p50: number
}

/** Fires waves of `WAVE` concurrent verifications until `stop()`; each wave starts when the previous one is answered. */
function verifyLoad(base: string, bearer: string, query: string): { stop(): Promise<VerifyLoad> } {
  let running = true
  const latencies: number[] = []
  const counts = { ok: 0, limited: 0, other: 0 }
  const loop = (async () => {
    while (running) {
      const okBefore = counts.ok
      await Promise.all(
        Array.from({ length: WAVE }, async () => {
          const started = performance.now()
          const res = await fetch(`${base}/api/v1/audit/verify${query}`, { headers: { authorization: `Bearer ${bearer}` } })
          const body = await res.text()
          if (res.status === 200) {
            if (!(JSON.parse(body) as { verified: boolean }).verified) throw new Error(`verification failed: ${body}`)
            counts.ok++
            latencies.push(performance.now() - started)
          } else if (res.status === 429) counts.limited++
          else counts.other++
        }),
      )
      // A wave refused in full (budget spent) costs the server little; do not spin on it.
      if (counts.ok === okBefore) await new Promise((r) => setTimeout(r, 200))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      const sorted = [...latencies].sort((a, b) => a - b)
      return { ...counts, p50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN }
    },
  }
}

interface PhaseResult {
  phase: Phase
  token: RunResult
  verify: VerifyLoad | undefined
}

/** Replaces the section marked with `label` in `file` (created with `heading` when missing), or appends it. */
async function upsertSection(file: URL, heading: string, label: string, section: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => heading)
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const marked = new RegExp(`<!-- bench:verify ${escaped} -->[\\s\\S]*<!-- /bench:verify ${escaped} -->\\n?`)
  await writeFile(file, marked.test(current) ? current.replace(marked, () => section) : `${current.trimEnd()}\n\n${section}`)
}

async function main(): Promise<void> {
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'agentidp-bench-verify-'))
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const admin = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') }
  const server: ServerProcess = await startNodeProcess(
    'ours postgres',
    REFERENCE_SERVER,
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      SENTRYAGENT_MASTER_KEY: randomBytes(32).toString('base64url'),
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: admin.id,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: admin.secret,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      RATE_LIMIT_REST_POINTS: '1000000',
      RATE_LIMIT_TOKEN_CLIENT_POINTS: '1000000',
      RATE_LIMIT_TOKEN_IP_POINTS: '1000000',
    },
    `http://127.0.0.1:${port}/health`,
  )
  const results: PhaseResult[] = []
  try {
    const base = server.url
    const adminToken = await token(base, admin.id, admin.secret)
    const b = await provision(base, adminToken, ['agents:read'])
    const tokenB: RequestSpec = {
      method: 'POST',
      path: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(b.clientId, b.clientSecret) },
      body: 'grant_type=client_credentials',
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const phase of PHASES) {
        let load: ReturnType<typeof verifyLoad> | undefined
        if (phase !== 'idle') {
          const a = await provision(base, adminToken, ['audit:read'])
          log(`round ${round + 1}, ${phase}: seeding ${EVENTS} audit events into organization A`)
          await seedAudit(DATABASE_URL, schema, a.organizationId, EVENTS)
          const bearer = await token(base, a.clientId, a.clientSecret)
          await call(base, 'POST', '/api/v1/audit/checkpoints', bearer) // what the periodic checkpoint job does
          load = verifyLoad(base, bearer, phase === 'verify-full' ? '?full=true' : '')
        }
        log(`round ${round + 1}, ${phase}: measuring organization B's token issuance (c=${CONNECTIONS})`)
        const tokenRun = await measure(server, tokenB, CONNECTIONS, { durationSeconds: DURATION, warmupSeconds: WARMUP })
        results.push({ phase, token: tokenRun, verify: await load?.stop() })
      }
    }
  } finally {
    await server.stop()
    await rm(dataDir, { recursive: true, force: true })
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`drop schema if exists ${schema} cascade`)
    await client.end()
  }

  const table = [
    '| phase (organization A) | B tokens/s | B p50 ms | B p99 ms | B errors | A verifications 200 / 429 / other | A verify p50 ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...PHASES.map((phase) => {
      const runs = results.filter((r) => r.phase === phase)
      const t = medianOf(runs.map((r) => r.token))
      const v = runs.map((r) => r.verify).find((x) => x !== undefined)
      const label = { idle: 'idle (no verification)', verify: `${WAVE} concurrent \`GET /audit/verify\`, repeated`, 'verify-full': `${WAVE} concurrent \`?full=true\`, repeated` }[phase]
      return `| ${label} | ${t.rps.toFixed(0)} | ${t.p50} | ${t.p99} | ${t.non2xx} / ${t.errors} | ${v === undefined ? '—' : `${v.ok} / ${v.limited} / ${v.other}`} | ${v === undefined || Number.isNaN(v.p50) ? '—' : v.p50.toFixed(0)} |`
    }),
  ].join('\n')
  const body = [
    `Run ${new Date().toISOString()} on ${cpus().length} CPU(s), Node ${process.version}; PostgreSQL; organization A's log: ${EVENTS.toLocaleString('en')} events sealed by a checkpoint; autocannon c=${CONNECTIONS}, ${WARMUP} s warm-up + ${DURATION} s, ${ROUNDS} round(s), medians. Organization A's verifications run for the whole warm-up and measurement, within its 30/min budget (429 beyond).`,
    '',
    table,
    '',
  ].join('\n')
  const dir = new URL('./results/', import.meta.url)
  await mkdir(dir, { recursive: true })
  const title = `Audit verification against another tenant's token latency (\`npm run bench:verify\`) — ${LABEL}`
  const section = `<!-- bench:verify ${LABEL} -->\n## ${title}\n\n${body}<!-- /bench:verify ${LABEL} -->\n`
  // One section per label, replaced on each run of that label; everything else in the files is kept.
  await upsertSection(new URL('audit-verify.md', dir), '# Audit verification against another tenant\'s token latency\n', LABEL, section)
  await upsertSection(new URL('latest.md', dir), '# Benchmark results\n', LABEL, section)
  process.stdout.write(`${body}\n`)
}

await main()
