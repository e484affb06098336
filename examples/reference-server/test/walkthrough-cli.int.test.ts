/**
 * The quick start's walk-through with the CLI (docs/quick-start.md), executed verbatim with bash + jq against the running
 * server (PostgreSQL when reachable): each `sentryagent` call is the CLI run from source.
 */
import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, tempHome } from './cli-fixtures.js'
import { startIdp } from './client-fixtures.js'
import { ADMIN_ID, ADMIN_SECRET, type Running } from './harness.js'

const run = promisify(execFile)

async function cliWalkthrough(): Promise<string> {
  const readme = await readFile(new URL('../../../docs/quick-start.md', import.meta.url), 'utf8')
  const m = /<!-- walkthrough-cli:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough-cli:end -->/.exec(readme)
  if (m?.[1] === undefined) throw new Error('quick-start CLI walk-through block not found (docs/quick-start.md)')
  return m[1]
}

const jqPresent = await run('bash', ['-c', 'command -v jq']).then(
  () => true,
  () => false,
)
if (!jqPresent && process.env['CI'] !== undefined) throw new Error('jq is required in CI')

describe('quick-start walk-through with the CLI', () => {
  let server: Running

  beforeAll(async () => {
    server = await startIdp()
  })
  afterAll(async () => {
    await server.close()
  })

  it.runIf(jqPresent)('runs every step of the quick start successfully', async () => {
    const home = await tempHome()
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', await cliWalkthrough()], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: home, IDP: server.url, ADMIN_ID, ADMIN_SECRET },
      timeout: 180_000,
    }).finally(() => rm(home, { recursive: true, force: true }))
    expect(stdout).toMatch(/"did": "did:web:127\.0\.0\.1%3A\d+:agents:/)
    expect(stdout).toMatch(/"active": true,\s+"sub": "/)
    expect(stdout).toContain('old secret rejected (exit 4)')
    expect(stdout).toMatch(/"active": false/)
    expect(stdout).toMatch(/^SEQ\s+TIMESTAMP\s+ACTION/m)
    expect(stdout).toMatch(/^\d+\s+\S+\s+token\.issued\s+success\s/m)
  }, 240_000)
})
