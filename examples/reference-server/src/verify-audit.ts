/**
 * `npm run audit:verify -- --checkpoint cp.json --jwks jwks.json --events events.ndjson [--anchor anchor.json]`
 *
 * Offline verification of an exported audit log: proves, with nothing but a signed checkpoint, the
 * IdP's JWKS and the NDJSON export (`GET /api/v1/audit/export`), that the log was not rewritten,
 * truncated or recomputed. `--jwks` and `--checkpoint` also accept http(s) URLs. Exit code 0 when
 * verified, 1 when not, 2 on bad usage.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { verifyAuditLog, type AuditEventLike, type CheckpointLike } from '@sentryagent/core'
import type { JSONWebKeySet } from 'jose'

async function load(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source)
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`)
    return res.text()
  }
  return readFile(source, 'utf8')
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: 'string' },
      jwks: { type: 'string' },
      events: { type: 'string' },
      anchor: { type: 'string' },
      proof: { type: 'boolean', default: false },
    },
  })
  if (values.checkpoint === undefined || values.jwks === undefined || values.events === undefined) {
    process.stderr.write('usage: verify-audit --checkpoint <file|url> --jwks <file|url> --events <ndjson file> [--anchor <file>] [--proof]\n')
    return 2
  }
  const checkpoint = JSON.parse(await load(values.checkpoint)) as CheckpointLike
  const jwks = JSON.parse(await load(values.jwks)) as JSONWebKeySet
  const events = (await load(values.events))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEventLike)
  const anchor = values.anchor === undefined ? undefined : (JSON.parse(await load(values.anchor)) as CheckpointLike)
  const result = await verifyAuditLog({
    checkpoint,
    jwks,
    events,
    ...(anchor === undefined ? {} : { anchor }),
    ...(values.proof === true ? { mode: 'none' as const } : {}),
  })
  process.stdout.write(`${JSON.stringify(result)}\n`)
  return result.verified ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`verify-audit: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(2)
  },
)
