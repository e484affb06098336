/**
 * `npm run bench:analytics`: the analytics plugin on a large log (issue 14). The reference server runs
 * on PostgreSQL as its own process. Organization A's log is seeded with BENCH_ANALYTICS_EVENTS
 * (1,000,000) hash-chained events over the last 90 days (a mix of token, failure, credential and
 * delegation events by 200 agents) while the server runs WITHOUT analytics; the server is then
 * restarted with the plugin, and the bench measures:
 *
 * - the backfill: time until the outbox consumer's cursor reaches the head of A's log;
 * - correctness: `GET /analytics/tokens?days=90` against a brute-force SQL count over `audit_events`
 *   (and how long that naive query takes, for comparison);
 * - each endpoint under load (autocannon, c=BENCH_CONNECTIONS): tokens?days=90, agents/activity?days=90,
 *   agents/usage over 90 days, summary.
 *
 * Knobs: BENCH_ANALYTICS_EVENTS (1000000), BENCH_DURATION (10 s), BENCH_WARMUP (2 s),
 * BENCH_CONNECTIONS (8), DATABASE_URL. Writes its section into bench/results/analytics.md and
 * bench/results/latest.md (other sections are kept).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { measure, type RequestSpec, type RunResult } from './lib/load.js'
import { call, token } from './lib/http.js'
import { freePort, REFERENCE_SERVER, startNodeProcess, type ServerProcess } from './lib/processes.js'
import { seedAuditMix } from './lib/seed.js'

const env = process.env
const num = (name: string, fallback: number) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]))
const EVENTS = num('BENCH_ANALYTICS_EVENTS', 1_000_000)
const DURATION = num('BENCH_DURATION', 10)
const WARMUP = num('BENCH_WARMUP', 2)
const CONNECTIONS = num('BENCH_CONNECTIONS', 8)
const DATABASE_URL = env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const LABEL = 'analytics'

const log = (msg: string) => process.stderr.write(`[bench:analytics] ${msg}\n`)




async function upsertSection(file: URL, heading: string, section: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => heading)
  const marked = new RegExp(`<!-- bench:${LABEL} -->[\\s\\S]*<!-- /bench:${LABEL} -->\\n?`)
  await writeFile(file, marked.test(current) ? current.replace(marked, () => section) : `${current.trimEnd()}\n\n${section}`)
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentidp-bench-analytics-'))
  const schema = `bench_${randomBytes(4).toString('hex')}`
  const admin = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') }
  const masterKey = randomBytes(32).toString('base64url')
  const sql = new pg.Client({ connectionString: DATABASE_URL })
  await sql.connect()
  const start = async (plugins: string): Promise<ServerProcess> => {
    const port = await freePort()
    return startNodeProcess(
      `ours postgres (PLUGINS=${plugins})`,
      REFERENCE_SERVER,
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        ISSUER: `http://127.0.0.1:${port}`,
        DATA_DIR: dataDir,
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        SENTRYAGENT_MASTER_KEY: masterKey,
        SENTRYAGENT_BOOTSTRAP_CLIENT_ID: admin.id,
        SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: admin.secret,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        PLUGINS: plugins,
        RATE_LIMIT_REST_POINTS: '1000000',
        RATE_LIMIT_TOKEN_CLIENT_POINTS: '1000000',
        RATE_LIMIT_TOKEN_IP_POINTS: '1000000',
      },
      `http://127.0.0.1:${port}/health`,
    )
  }
  let server = await start('none')
  const runs: { name: string; path: string; result: RunResult }[] = []
  let seedSeconds = 0
  let backfillSeconds = 0
  let naiveMs = 0
  let checked = ''
  try {
    const slug = `analytics-${randomUUID().slice(0, 8)}`
    const org = await call(server.url, 'POST', '/api/v1/organizations', await token(server.url, admin.id, admin.secret), { name: slug, slug })
    const organizationId = String(org['organizationId'])
    const agentIds = Array.from({ length: 200 }, () => randomUUID())
    log(`seeding ${EVENTS.toLocaleString('en')} audit events into organization A (analytics not installed)`)
    let t = performance.now()
    await seedAuditMix(DATABASE_URL, schema, organizationId, EVENTS, { agentIds, spanDays: 90 })
    seedSeconds = (performance.now() - t) / 1000
    await server.stop()

    log('restarting with analytics: measuring the backfill')
    t = performance.now()
    server = await start('analytics')
    const head = Number((await sql.query<{ n: string }>(`select max(seq) as n from "${schema}".audit_events where organization_id = $1`, [organizationId])).rows[0]?.n)
    for (;;) {
      const row = (
        await sql.query<{ p: string }>(`select position as p from "${schema}".audit_consumers where consumer_id = 'analytics.rollup' and organization_id = $1`, [organizationId])
      ).rows[0]
      if (row !== undefined && Number(row.p) >= head) break
      await new Promise((r) => setTimeout(r, 250))
    }
    backfillSeconds = (performance.now() - t) / 1000
    log(`backfill done in ${backfillSeconds.toFixed(1)} s`)

    const adminToken = await token(server.url, admin.id, admin.secret)
    const agent = await call(server.url, 'POST', '/api/v1/agents', adminToken, {
      organizationId,
      name: `${slug}-dashboard`,
      agentType: 'monitor',
      version: '1.0.0',
      capabilities: ['analytics:read'],
      owner: slug,
      deploymentEnv: 'production',
      scopes: ['analytics:read'],
    })
    const cred = await call(server.url, 'POST', `/api/v1/agents/${String(agent['agentId'])}/credentials`, adminToken, {})
    const bearer = await token(server.url, String(cred['clientId']), String(cred['clientSecret']))

    // Correctness on the large log, and the cost of the naive query the aggregates replace.
    const series = await call(server.url, 'GET', '/api/v1/analytics/tokens?days=90', bearer)
    const from = `${String(series['from'])}T00:00:00Z`
    t = performance.now()
    const naive = await sql.query<{ n: string }>(
      `select count(*) as n from "${schema}".audit_events where organization_id = $1 and action = 'token.issued' and occurred_at >= $2`,
      [organizationId, from],
    )
    naiveMs = performance.now() - t
    const expected = Number(naive.rows[0]?.n)
    const got = (series['totals'] as { issued: number }).issued
    checked = `tokens issued over 90 days: endpoint ${got.toLocaleString('en')}, SQL over audit_events ${expected.toLocaleString('en')}`
    // The agent's own token issuances after the seed may add to the endpoint's figure.
    if (Math.abs(got - expected) > 5) throw new Error(`mismatch: ${checked}`)
    log(checked)

    const to = new Date().toISOString()
    const since = new Date(Date.now() - 90 * 86_400_000).toISOString()
    const endpoints: [string, string][] = [
      ['tokens, 90 days', '/api/v1/analytics/tokens?days=90'],
      ['activity heatmap, 90 days', '/api/v1/analytics/agents/activity?days=90'],
      ['usage per agent, 90 days (200 agents)', `/api/v1/analytics/agents/usage?from=${encodeURIComponent(since)}&to=${encodeURIComponent(to)}`],
      ['summary', '/api/v1/analytics/summary'],
    ]
    for (const [name, path] of endpoints) {
      const spec: RequestSpec = { method: 'GET', path, headers: { authorization: `Bearer ${bearer}` } }
      log(`measuring ${name} (c=${CONNECTIONS})`)
      runs.push({ name, path, result: await measure(server, spec, CONNECTIONS, { durationSeconds: DURATION, warmupSeconds: WARMUP }) })
    }
  } finally {
    await server.stop()
    await rm(dataDir, { recursive: true, force: true })
    await sql.query(`drop schema if exists "${schema}" cascade`)
    await sql.end()
  }

  const table = [
    '| endpoint | req/s | p50 ms | p99 ms | non-2xx / errors |',
    '|---|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.name} | ${r.result.rps.toFixed(0)} | ${r.result.p50} | ${r.result.p99} | ${r.result.non2xx} / ${r.result.errors} |`),
  ].join('\n')
  const body = [
    `Run ${new Date().toISOString()} on ${cpus().length} CPU(s), Node ${process.version}; PostgreSQL; organization A's log: ${EVENTS.toLocaleString('en')} events over 90 days by 200 agents; autocannon c=${CONNECTIONS}, ${WARMUP} s warm-up + ${DURATION} s, one run each.`,
    '',
    `- Seeding (storage API, analytics not installed): ${seedSeconds.toFixed(0)} s.`,
    `- Backfill on the first start with analytics (outbox consumer, 1,000 events per transaction): ${backfillSeconds.toFixed(1)} s (${(EVENTS / backfillSeconds).toFixed(0)} events/s), including the server start.`,
    `- Check: ${checked}. The naive query over \`audit_events\` for that one figure takes ${naiveMs.toFixed(0)} ms; the endpoint reads the hourly aggregates.`,
    '',
    table,
    '',
  ].join('\n')
  const dir = new URL('./results/', import.meta.url)
  await mkdir(dir, { recursive: true })
  const section = `<!-- bench:${LABEL} -->\n## Analytics on a large log (\`npm run bench:analytics\`)\n\n${body}<!-- /bench:${LABEL} -->\n`
  await upsertSection(new URL('analytics.md', dir), '# Analytics on a large log\n', section)
  await upsertSection(new URL('latest.md', dir), '# Benchmark results\n', section)
  process.stdout.write(`${body}\n`)
}

await main()
