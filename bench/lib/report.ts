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
  out.push('| ours | scenario | conns | ours req/s | p50 | p99 | errors | RSS | peer req/s | p50 | p99 | errors | RSS | req/s ours/peer | p99 ours/peer |')
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    const p = r.peer
    out.push(
      `| ${r.config} | ${r.scenario} | ${r.connections} | ${f0(r.ours.rps)} | ${r.ours.p50} | ${r.ours.p99} | ${errs(r.ours)} | ${f1(r.ours.rssMiB)} | ` +
        (p === undefined
          ? 'n/a | | | | | — | — |'
          : `${f0(p.rps)} | ${p.p50} | ${p.p99} | ${errs(p)} | ${f1(p.rssMiB)} | ${f2(r.ours.rps / p.rps)} | ${f2(r.ours.p99 / p.p99)} |`),
    )
  }
  out.push('', '`protected` is `GET /api/v1/agents/{id}` with a bearer token; the peer has no client_credentials equivalent (its userinfo needs an end-user grant), so ours is reported alone.', '')

  out.push('## Targets', '')
  out.push('| target | measured | met |', '|---|---|:-:|')
  for (const r of rows.filter((x) => x.config === 'memory' && x.scenario === 'token-basic' && x.peer !== undefined)) {
    const p = r.peer as RunResult
    const ok = r.ours.rps >= 2 * p.rps && r.ours.p99 <= p.p99
    out.push(`| memory token issuance ≥ 2× peer tokens/s, p99 ≤ peer (c=${r.connections}) | ${f2(r.ours.rps / p.rps)}, p99 ${r.ours.p99} vs ${p.p99} ms | ${ok ? 'yes' : 'no'} |`)
  }
  const peerMemory = rows.filter((x) => x.config === 'memory' && x.scenario === 'token-basic')
  for (const r of rows.filter((x) => x.config === 'postgres-redis' && x.scenario === 'token-basic')) {
    const p = peerMemory.find((x) => x.connections === r.connections)?.peer ?? r.peer
    if (p !== undefined) out.push(`| PostgreSQL + Redis (durable audit) token issuance ≥ 1× peer (c=${r.connections}) | ${f2(r.ours.rps / p.rps)} | ${r.ours.rps >= p.rps ? 'yes' : 'no'} |`)
  }
  for (const r of rows.filter((x) => x.scenario === 'protected')) {
    out.push(`| protected calls ≥ 5,000 req/s (${r.config}, c=${r.connections}) | ${f0(r.ours.rps)} req/s | ${r.ours.rps >= 5000 ? 'yes' : 'no'} |`)
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
