/**
 * What the server logs about a request: the path without its query string (a token sent in the URL
 * is rejected, and must not be written to the log either), and the request id the response carries
 * (a client's X-Request-Id only when it is well formed).
 *
 * @see issue 10, findings 14 and 15
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build, type ReferenceServer } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { ADMIN_ID, ADMIN_SECRET, MASTER_KEY } from './harness.js'

describe('request logging', () => {
  const lines: string[] = []
  let server: ReferenceServer
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentidp-log-'))
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
        done()
      },
    })
    const config = loadConfig({
      DATA_DIR: dir,
      ISSUER: 'http://127.0.0.1:1',
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
      SENTRYAGENT_MASTER_KEY: MASTER_KEY,
    })
    server = await build(config, { logger: createLogger('info', sink) })
  })
  afterAll(async () => {
    await server.app.close()
    await rm(dir, { recursive: true, force: true })
  })

  const logOf = (reqId: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['reqId'] === reqId)

  it('logs paths without their query string, so a token in the URL is never written', async () => {
    const secret = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl'
    for (const url of [`/agent-info?access_token=${secret}`, `/api/v1/agents?limit=5&access_token=${secret}`, `/api/v1/agents/%ZZ?access_token=${secret}`]) {
      const res = await server.app.inject({ url })
      expect(res.statusCode).toBeGreaterThanOrEqual(400)
      const reqId = String(res.headers['x-request-id'])
      const logged = logOf(reqId)
      expect(logged.length, url).toBeGreaterThan(0)
      expect(JSON.stringify(logged)).not.toContain(secret)
      const incoming = logged.find((l) => l['msg'] === 'incoming request')
      expect(incoming?.['req']).toMatchObject({ method: 'GET', url: url.split('?')[0] })
    }
    expect(lines.join('\n')).not.toContain(secret)
  })

  it('logs and answers a generated request id instead of a malformed client one', async () => {
    const hostile = '<script>alert(1)</script>'
    const res = await server.app.inject({ url: '/health', headers: { 'x-request-id': hostile } })
    const reqId = String(res.headers['x-request-id'])
    expect(reqId).not.toBe(hostile)
    expect(reqId).toMatch(/^[A-Za-z0-9._-]{1,128}$/)
    expect(logOf(reqId).length).toBeGreaterThan(0)
    expect(lines.join('\n')).not.toContain('<script>')

    const kept = await server.app.inject({ url: '/health', headers: { 'x-request-id': 'trace-42.a_b' } })
    expect(kept.headers['x-request-id']).toBe('trace-42.a_b')
    expect(logOf('trace-42.a_b').length).toBeGreaterThan(0)
  })
})
