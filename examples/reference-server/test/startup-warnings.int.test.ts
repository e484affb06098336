/**
 * The issuer warning (issue 10): several processes on one database with the default `ISSUER` each
 * derive their own issuer and reject each other's tokens, so the server says so at start, through
 * its logger, when `DATABASE_URL` (or Redis) is set and `ISSUER` is not.
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { build } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ADMIN_ID, ADMIN_SECRET, MASTER_KEY, TARGETS, freePort } from './harness.js'

/** A pino logger writing into an array of parsed lines. */
function capturedLogger() {
  const lines: { level: number; msg: string; event?: string }[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number])
      done()
    },
  })
  return { logger: pino({ level: 'warn' }, stream), lines }
}

const postgres = TARGETS.find((t) => t.name === 'postgres')

describe.runIf(postgres !== undefined)('the issuer warning', () => {
  const start = async (extra: Record<string, string>) => {
    if (postgres === undefined) throw new Error('no PostgreSQL')
    const db = await postgres.create()
    const { logger, lines } = capturedLogger()
    const config = loadConfig({
      PORT: String(await freePort()),
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
      SENTRYAGENT_MASTER_KEY: MASTER_KEY,
      ...db.env,
      ...extra,
    })
    const server = await build(config, { logger })
    await server.app.close()
    await db.dispose()
    return lines.filter((l) => l.event === 'config_warning')
  }

  it('warns at start when DATABASE_URL is set and ISSUER is not', async () => {
    const warnings = await start({})
    expect(warnings).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/^ISSUER is not set: this process uses http:\/\/localhost:\d+;.*set ISSUER/) })])
  })

  it('stays quiet when ISSUER is set', async () => {
    expect(await start({ ISSUER: 'https://idp.example.com' })).toEqual([])
  })
})
