/**
 * The markdown report of `npm run bench` (bench/results/latest.md): one row per configuration,
 * scenario and connection count with ours, the peer and the ratio; the targets; scale rows.
 *
 * @module
 */
import type { LoadSettings, RunResult } from './load.js'

/** One compared measurement. */
export interface Row {
  config: string
  scenario: string
  connections: number
  ours: RunResult
  peer?: RunResult
}

/** One scale measurement (PostgreSQL + Redis). */
export interface ScaleRow {
  label: string
  scenario: string
  connections: number
  result: RunResult
}

/** Everything the report shows. */
export interface ReportInput {
  started: Date
  settings: LoadSettings
  rounds: number
  cpus: number
  rows: readonly Row[]
  scale: readonly ScaleRow[]
  offline: { ours?: number; peer?: number }
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '—')
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—')
const f2 = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—')
const f2c = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—')
const errs = (r: RunResult) => `${r.non2xx} / ${r.errors}`

/** Renders the report. */
export function renderReport(input: ReportInput): string {
  const { rows, scale, offline } = input
  const out: string[] = []
  out.push('# Benchmark results', '')
  out.push(
    `Run ${input.started.toISOString()} on ${input.cpus} CPU(s), Node ${process.version}; autocannon, ` +
      `${input.settings.warmupSeconds} s warm-up + ${input.settings.durationSeconds} s per run, ${input.rounds} alternating A/B round(s), medians. ` +
      'The load generator shares the cores with the server under test: absolute figures are lower than on a dedicated client; the ratios are what counts.',
    '',
  )
  out.push('Peer: oidc-provider (in memory, RFC 9068 JWT access tokens, ES256). Errors column: non-2xx / socket errors. Latency in ms, RSS in MiB.', '')
  out.push('CPU: server CPU time per request in ms (process user + system CPU, every thread, over the measured run / requests), so that a pairing bound by the load generator is visible.', '')
  out.push('| ours | scenario | conns | ours req/s | p50 | p99 | errors | RSS | CPU | peer req/s | p50 | p99 | errors | RSS | CPU | req/s ours/peer | p99 ours/peer |')
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    const p = r.peer
    out.push(
      `| ${r.config} | ${r.scenario} | ${r.connections} | ${f0(r.ours.rps)} | ${r.ours.p50} | ${r.ours.p99} | ${errs(r.ours)} | ${f1(r.ours.rssMiB)} | ${f2c(r.ours.cpuMsPerRequest)} | ` +
        (p === undefined
          ? 'n/a | | | | | | — | — |'
          : `${f0(p.rps)} | ${p.p50} | ${p.p99} | ${errs(p)} | ${f1(p.rssMiB)} | ${f2c(p.cpuMsPerRequest)} | ${f2(r.ours.rps / p.rps)} | ${f2(r.ours.p99 / p.p99)} |`),
    )
  }
  const busy = (r: RunResult) => `${Math.round((r.rps * r.machineMsPerRequest.machine) / (input.cpus * 10))} %`
  out.push('', '## Where the machine\'s CPU goes', '')
  out.push(
    'CPU time per request in ms over each measured run (the median run): the server under test, PostgreSQL (every `postgres` process), Redis, the load generator (this process, autocannon), and the whole machine (every core\'s non-idle time, kernel included). ' +
      'Busy: the share of all cores in use during the run (requests/s × machine ms); near 100 % the run is bound by the machine, not by the server\'s latency.',
    '',
  )
  out.push('| config | scenario | conns | server | server ms | PostgreSQL ms | Redis ms | load generator ms | machine ms | req/s | busy |')
  out.push('|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    for (const [who, run] of [['ours', r.ours], ['peer', r.peer]] as const) {
      if (run === undefined) continue
      const m = run.machineMsPerRequest
      out.push(`| ${r.config} | ${r.scenario} | ${r.connections} | ${who} | ${f2c(run.cpuMsPerRequest)} | ${f2c(m.postgres)} | ${f2c(m.redis)} | ${f2c(m.loadGenerator)} | ${f2c(m.machine)} | ${f0(run.rps)} | ${busy(run)} |`)
    }
  }
  out.push('', '`protected` is `GET /api/v1/agents/{id}` with a bearer token; the peer has no client_credentials equivalent (its userinfo needs an end-user grant), so ours is reported alone. `token-exchange` is our RFC 8693 delegation exchange (Basic client auth of the delegatee, the delegation token as subject token, its access token as actor token); oidc-provider ships no token-exchange grant, so ours is reported alone.', '')

  out.push('## Targets (issue 18)', '')
  out.push('| target | measured | met |', '|---|---|:-:|')
  // At a target rate the machine's cores give each request a fixed CPU budget; what PostgreSQL,
  // Redis and the load generator spend per request comes out of it before the server's share.
  const budget = (r: RunResult, targetRps: number) => {
    const m = r.machineMsPerRequest
    const others = m.postgres + m.redis + m.loadGenerator
    if (!Number.isFinite(others) || !Number.isFinite(targetRps) || targetRps <= 0) return ''
    const each = (input.cpus * 1000) / targetRps
    return `; at ${f0(targetRps)}/s the ${input.cpus} cores allow ${f2c(each)} ms per request, PostgreSQL + Redis + load generator took ${f2c(others)}, leaving ${f2c(each - others)} ms for a server that took ${f2c(r.cpuMsPerRequest)}`
  }
  const ratio = (r: Row) => (r.peer === undefined ? Number.NaN : r.ours.rps / r.peer.rps)
  for (const r of rows.filter((x) => x.config === 'pglite' && x.scenario === 'token-basic' && x.peer !== undefined)) {
    const p = r.peer as RunResult
    const p99ok = r.connections !== 64 || r.ours.p99 <= 100
    out.push(
      `| embedded PGlite token issuance ≥ 0.5× peer${r.connections === 64 ? ', p99 ≤ 100 ms' : ''} (c=${r.connections}) | ${f2(ratio(r))}, p99 ${r.ours.p99} vs ${p.p99} ms | ${ratio(r) >= 0.5 && p99ok ? 'yes' : 'no'} |`,
    )
  }
  const pgliteRss = Math.max(...rows.filter((x) => x.config === 'pglite').map((x) => x.ours.rssMiB))
  if (Number.isFinite(pgliteRss)) out.push(`| embedded PGlite RSS under load ≤ 300 MiB (largest after any run) | ${f1(pgliteRss)} MiB | ${pgliteRss <= 300 ? 'yes' : 'no'} |`)
  for (const r of rows.filter((x) => x.config === 'postgres-redis' && x.scenario === 'token-basic' && x.peer !== undefined)) {
    const p = r.peer as RunResult
    const ok = ratio(r) >= 0.8 && r.ours.p99 <= 1.5 * p.p99
    out.push(`| PostgreSQL + Redis (durable audit) token issuance ≥ 0.8× peer, p99 ≤ 1.5× peer (c=${r.connections}) | ${f2(ratio(r))}, p99 ${r.ours.p99} vs ${p.p99} ms (${f2(r.ours.p99 / p.p99)})${budget(r.ours, 0.8 * p.rps)} | ${ok ? 'yes' : 'no'} |`)
  }
  for (const r of rows.filter((x) => x.config === 'memory' && x.scenario === 'token-pkjwt' && x.peer !== undefined)) {
    out.push(`| memory \`private_key_jwt\` token issuance ≥ 1.0× peer (c=${r.connections}) | ${f2(ratio(r))} | ${ratio(r) >= 1 ? 'yes' : 'no'} |`)
  }
  for (const r of rows.filter((x) => x.scenario === 'protected' && x.config === 'postgres-redis' && x.connections === 16)) {
    out.push(`| protected calls ≥ 5,000 req/s (PostgreSQL + Redis, c=16) | ${f0(r.ours.rps)} req/s${budget(r.ours, 5000)} | ${r.ours.rps >= 5000 ? 'yes' : 'no'} |`)
  }
  const failures = rows.reduce((n, r) => n + r.ours.non2xx + r.ours.errors, 0)
  out.push(`| zero non-2xx / socket errors (ours, every run) | ${failures} | ${failures === 0 ? 'yes' : 'no'} |`, '')

  out.push('## Offline verification (jose `jwtVerify` + `createLocalJWKSet`, in process, 100 tokens)', '')
  out.push('| tokens | verifications/s |', '|---|---:|')
  out.push(`| ours | ${f0(offline.ours ?? Number.NaN)} |`, `| peer | ${f0(offline.peer ?? Number.NaN)} |`, '')

  if (scale.length > 0) {
    out.push('## Cost growth (PostgreSQL + Redis)', '')
    out.push('| data | scenario | conns | req/s | p50 | p99 | errors | RSS |', '|---|---|---:|---:|---:|---:|---:|---:|')
    for (const s of scale) out.push(`| ${s.label} | ${s.scenario} | ${s.connections} | ${f0(s.result.rps)} | ${s.result.p50} | ${s.result.p99} | ${errs(s.result)} | ${f1(s.result.rssMiB)} |`)
    out.push('')
  }
  return `${out.join('\n')}\n`
}
