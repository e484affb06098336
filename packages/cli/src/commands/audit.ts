/**
 * `sentryagent audit list|tail|checkpoint|export|verify`. `tail` follows the log as it grows
 * (polling, following `nextCursor`, backing off on 429) until Ctrl-C, which ends it with exit 0.
 * `verify` checks an exported log offline against a signed checkpoint and the IdP's JWKS — the
 * same check as `npm run audit:verify` (core's `verifyAuditLog`); exit 1 when it does not match.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { AuditEvent, ListAuditQuery } from '@sentryagent/client'
import { verifyAuditLog, type AuditEventLike, type CheckpointLike } from '@sentryagent/core'
import type { JSONWebKeySet } from 'jose'
import { CliError, EXIT_CODES, configError } from '../exit-codes.js'
import { print, renderRecord, renderTable, type CliIo } from '../output.js'
import { collectAll, defined, integer, oneOf, withContext } from './shared.js'

interface FilterOptions {
  action?: string
  agentId?: string
  outcome?: 'success' | 'failure'
}

const filters = (cmd: Command) =>
  cmd
    .option('--action <action>', 'only this action (e.g. token.issued)')
    .option('--agent-id <agentId>', 'only events about this agent')
    .option('--outcome <outcome>', 'success | failure', oneOf(['success', 'failure'] as const))

const line = (e: AuditEvent) => `${e.seq}  ${e.timestamp}  ${e.action}  ${e.outcome}  actor=${e.actor}${e.agentId === null ? '' : `  agent=${e.agentId}`}\n`

/** A file path or an http(s) URL (like `npm run audit:verify`). */
async function load(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source)
    if (!res.ok) throw new CliError(EXIT_CODES.UNAVAILABLE, `${source}: HTTP ${res.status}`)
    return res.text()
  }
  try {
    return await readFile(source, 'utf8')
  } catch {
    throw configError(`cannot read ${source}`)
  }
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T
  } catch {
    throw configError(`${what} is not valid JSON`)
  }
}

/** Registers `audit`. */
export function registerAudit(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('the organization’s hash-chained audit log')

  filters(audit.command('list').description('list events, newest first'))
    .option('--limit <n>', 'page size (1–100)', integer(1, 100))
    .option('--cursor <cursor>', 'page cursor')
    .option('--all', 'follow nextCursor through every page')
    .action(
      withContext<FilterOptions & { limit?: number; cursor?: string; all?: boolean }>(io, async (ctx, o) => {
        const client = await ctx.client()
        const query = defined({ action: o.action, agentId: o.agentId, outcome: o.outcome, limit: o.limit }) as ListAuditQuery
        const page = o.all === true ? { items: await collectAll(client.audit.listAll(query)), nextCursor: null } : await client.audit.list({ ...query, ...defined({ cursor: o.cursor }) })
        print(io, ctx.json, page, () => renderTable(page.items, ['seq', 'timestamp', 'action', 'outcome', 'actor', 'agentId']))
      }),
    )

  filters(audit.command('tail').description('follow new events as they are appended (Ctrl-C stops, exit 0)'))
    .option('--interval <seconds>', 'pause between polls', integer(1, 3600), 2)
    .option('--backlog <n>', 'first print the last n events', integer(0, 100), 0)
    .action(
      withContext<FilterOptions & { interval: number; backlog: number }>(io, async (ctx, o) => {
        const client = await ctx.client()
        const controller = new AbortController()
        const stop = () => controller.abort()
        // Ctrl-C (and SIGTERM) end the tail normally: the command exits 0.
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        try {
          const events = client.audit.follow(defined({ action: o.action, agentId: o.agentId, outcome: o.outcome }), {
            intervalMs: o.interval * 1000,
            backlog: o.backlog,
            signal: controller.signal,
            onBackoff: (ms) => io.stderr.write(`rate limited: next poll in ${Math.ceil(ms / 1000)} s\n`),
            onStart: (seq) => io.stderr.write(`following the audit log after seq ${seq} (Ctrl-C to stop)\n`),
          })
          for await (const event of events) io.stdout.write(ctx.json ? `${JSON.stringify(event)}\n` : line(event))
        } finally {
          process.removeListener('SIGINT', stop)
          process.removeListener('SIGTERM', stop)
        }
      }),
    )

  audit
    .command('checkpoint')
    .description('sign a checkpoint of the current head and print it (save it with --json > checkpoint.json)')
    .action(
      withContext(io, async (ctx) => {
        const cp = await (await ctx.client()).audit.createCheckpoint()
        print(io, ctx.json, cp, () => renderRecord(cp))
      }),
    )

  audit
    .command('export')
    .description('export events as NDJSON in seq order')
    .option('--from <seq>', 'first sequence number', integer(1, Number.MAX_SAFE_INTEGER))
    .option('--to <seq>', 'last sequence number', integer(1, Number.MAX_SAFE_INTEGER))
    .option('--out <path>', 'write to a file instead of standard output')
    .action(
      withContext<{ from?: number; to?: number; out?: string }>(io, async (_ctx, o) => {
        const ndjson = await (await _ctx.client()).audit.export(defined({ from: o.from, to: o.to }))
        if (o.out === undefined) io.stdout.write(ndjson)
        else await writeFile(o.out, ndjson)
      }),
    )

  audit
    .command('verify')
    .description('verify an exported log offline against a signed checkpoint and the IdP’s JWKS (exit 1 when it does not match)')
    .requiredOption('--checkpoint <file|url>', 'a signed checkpoint (audit checkpoint --json)')
    .requiredOption('--jwks <file|url>', 'the IdP’s JWKS (/.well-known/jwks.json)')
    .requiredOption('--events <file>', 'the NDJSON export (audit export)')
    .option('--anchor <file>', 'the checkpoint sealing the last purged event (after retention)')
    .option('--proof', 'inclusion proof: the events need not start at the beginning of the log')
    .action(
      withContext<{ checkpoint: string; jwks: string; events: string; anchor?: string; proof?: boolean }>(io, async (ctx, o) => {
        const checkpoint = parseJson<CheckpointLike>(await load(o.checkpoint), o.checkpoint)
        const jwks = parseJson<JSONWebKeySet>(await load(o.jwks), o.jwks)
        const events = (await load(o.events))
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => parseJson<AuditEventLike>(l, o.events))
        const anchor = o.anchor === undefined ? undefined : parseJson<CheckpointLike>(await load(o.anchor), o.anchor)
        const result = await verifyAuditLog({ checkpoint, jwks, events, ...(anchor === undefined ? {} : { anchor }), ...(o.proof === true ? { mode: 'none' as const } : {}) })
        print(io, ctx.json, result, () => (result.verified ? `verified: ${result.checkedCount} events match the checkpoint\n` : `NOT VERIFIED: ${result.reason ?? 'mismatch'}${result.brokenAtEventId === undefined ? '' : ` (at event ${result.brokenAtEventId})`}\n`))
        if (!result.verified) throw new CliError(EXIT_CODES.FAILURE, 'the audit log does not match the checkpoint')
      }),
    )
}
