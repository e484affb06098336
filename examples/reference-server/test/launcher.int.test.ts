/**
 * `npm start`'s launcher (`start.mjs`) on the embedded default, as a newcomer runs it: the sources
 * it compiles at start still find the files next to them (the PGlite worker, the console's UI), it
 * leaves nothing in the temporary directory, a start failure still exits 1 with its message, and
 * SIGTERM still shuts it down cleanly.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, api } from './harness.js'
import { LAUNCHER, spawnServer } from './processes.js'

const dirs: string[] = []
const scratch = async (name: string) => {
  const dir = await mkdtemp(join(tmpdir(), `launcher-${name}-`))
  dirs.push(dir)
  return dir
}
/** What the launcher left in a temporary directory (tsx's own cache, from PGlite's initdb process, is not its). */
const launcherFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('sentryagent-'))
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('npm start (start.mjs)', () => {
  it('serves the embedded default from the compiled sources and leaves no temporary file', { timeout: 120_000 }, async () => {
    const temp = await scratch('tmp')
    const server = await spawnServer({ DATA_DIR: await scratch('data'), TMPDIR: temp, PLUGINS: 'console' })
    try {
      // PGlite's worker (found next to its source module) answered the bootstrap and this token.
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      const orgs = await http.call('GET', '/api/v1/organizations', admin)
      expect(orgs.status).toBe(200)
      // The console's UI is read from the directory next to the plugin's source.
      const page = await fetch(`${server.url}/console/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await launcherFiles(temp)).toEqual([])
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it('exits 1 with a clear message when the server cannot start, and leaves no temporary file', { timeout: 60_000 }, async () => {
    const temp = await scratch('tmp-fail')
    // The data directory is a file: the server cannot create its storage there.
    const child = spawn(process.execPath, [LAUNCHER], {
      env: { PATH: process.env['PATH'] ?? '', TMPDIR: temp, DATA_DIR: LAUNCHER, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(1)
    expect(out).toMatch(/^Failed to start: .+/m)
    expect(await launcherFiles(temp)).toEqual([])
  })

  it('is what both start scripts run, with the same Node flags', async () => {
    // `npm start` at the root and in examples/reference-server must start the same server the same way.
    const script = async (manifest: URL) => {
      const { scripts } = JSON.parse(await readFile(manifest, 'utf8')) as { scripts: { start: string } }
      const [node, ...args] = scripts.start.split(/\s+/)
      expect(node).toBe('node')
      return { flags: args.slice(0, -1), entry: resolve(dirname(fileURLToPath(manifest)), args.at(-1) ?? '') }
    }
    const root = await script(new URL('../../../package.json', import.meta.url))
    const example = await script(new URL('../package.json', import.meta.url))
    expect(root.entry).toBe(LAUNCHER)
    expect(example).toEqual(root)
    expect(root.flags).toContain('--max-old-space-size=1024')
  })
})
