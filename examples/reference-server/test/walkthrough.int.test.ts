/**
 * The quick start's walk-through (docs/quick-start.md), executed verbatim with bash + curl + jq against the running server, on
 * PGlite and on PostgreSQL.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, startOn, type Running } from './harness.js'

const run = promisify(execFile)

async function readmeWalkthrough(): Promise<string> {
  const readme = await readFile(new URL('../../../docs/quick-start.md', import.meta.url), 'utf8')
  const m = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme)
  if (m?.[1] === undefined) throw new Error('quick-start walk-through block not found (docs/quick-start.md)')
  return m[1]
}

const toolsPresent = await run('bash', ['-c', 'command -v curl && command -v jq']).then(
  () => true,
  () => false,
)
if (!toolsPresent && process.env['CI'] !== undefined) throw new Error('curl and jq are required in CI')

describe.each(TARGETS)('quick-start walk-through on $name', (target) => {
  let server: Running

  beforeAll(async () => {
    server = await startOn(target)
  })
  afterAll(async () => {
    await server.close()
  })

  it.runIf(toolsPresent)('runs every step of the quick start successfully', async () => {
    const script = await readmeWalkthrough()
    // Strict mode here (the page leaves it out so that pasting it never closes a user's shell).
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      env: { ...process.env, IDP: server.url, ADMIN_ID, ADMIN_SECRET },
      timeout: 60_000,
    })
    expect(stdout).toContain('old token rejected (401)')
    expect(stdout).toContain('old secret rejected (401)')
    expect(stdout).toContain('revoked token rejected (401)')
    expect(stdout).toMatch(/"active": true/)
    expect(stdout).toMatch(/"did": "did:web:127\.0\.0\.1%3A\d+:agents:/)

    // Every state change of the walk-through is in the tenant's chain, and the chain verifies.
    const { call, token } = api(server.url)
    const admin = await token(ADMIN_ID, ADMIN_SECRET)
    const orgs = await call('GET', '/api/v1/organizations?limit=100', admin)
    const items = orgs.body?.['items'] as { organizationId: string; slug: string }[]
    expect(items.some((o) => o.slug.startsWith('acme-'))).toBe(true)
    const verify = await call('GET', '/api/v1/audit/verify', admin)
    expect(verify.body).toMatchObject({ verified: true })
  })
})
