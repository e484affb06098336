/**
 * The published shape of `@sentryagent/client` and `sentryagent`: `npm pack` them (and core, which
 * the CLI depends on), lay the tarballs out in a scratch project's `node_modules` the way npm installs
 * them, and use them from there — the exports map (`.`, `./fastify`, `./express`, internals closed),
 * the bundled types (compiled with `tsc`), the `sentryagent` bin, and the TypeScript starter of
 * `sentryagent scaffold` depending on the client tarball, which obtains a token from the server.
 *
 * Offline and independent of the npm cache: the scratch project lives under the repository's
 * `node_modules/.cache`, so the packages' own dependencies (jose, openapi-fetch, commander…) resolve
 * from the workspace's `node_modules` like hoisted dependencies would.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { AgentIdpClient } from '@sentryagent/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './cli-fixtures.js'
import { adminClient, provisionAgent, startIdp } from './client-fixtures.js'
import type { Running } from './harness.js'

const exec = promisify(execFile)
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

/** The newest modification time of the files under `dir` matching `keep`. */
async function newest(dir: string, keep: (name: string) => boolean): Promise<number> {
  let latest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue
    latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return latest
}

/** Builds `pkg` with tsup unless its dist is newer than every source file (CI builds before testing). */
async function ensureBuilt(pkg: string): Promise<void> {
  const dir = join(ROOT, 'packages', pkg)
  const sources = Math.max(await newest(join(dir, 'src'), (n) => n.endsWith('.ts') && !n.endsWith('.test.ts')), (await stat(join(dir, 'package.json'))).mtimeMs)
  const built = await newest(join(dir, 'dist'), (n) => n.endsWith('.js')).catch(() => 0)
  if (built < sources) await exec('npx', ['tsup'], { cwd: dir, env: process.env, maxBuffer: 16 * 1024 * 1024 })
}

/** `npm pack` of a built package; returns the tarball's path. */
async function pack(pkg: string, destination: string): Promise<string> {
  await ensureBuilt(pkg)
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], { cwd: join(ROOT, 'packages', pkg) })
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
  return join(destination, info!.filename)
}

/**
 * Installs the tarball of workspace package `pkg` into `project/node_modules/<name>` the way npm
 * lays it out: hoisted dependencies resolve from above, and the ones npm nested under the package in
 * the workspace (a version differing from the hoisted one) are its own `node_modules`.
 */
async function install(tarball: string, project: string, name: string, pkg: string): Promise<string> {
  const target = join(project, 'node_modules', name)
  await mkdir(target, { recursive: true })
  await exec('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'])
  const nested = join(ROOT, 'packages', pkg, 'node_modules')
  if (await stat(nested).then(() => true, () => false)) await symlink(nested, join(target, 'node_modules'))
  return target
}

describe('packed @sentryagent/client and sentryagent', () => {
  let server: Running
  let admin: AgentIdpClient
  let scratch: string
  let tarballs: Record<'core' | 'client' | 'cli', string>
  let agent: { agentId: string; clientId: string; clientSecret: string }

  beforeAll(async () => {
    await mkdir(join(ROOT, 'node_modules/.cache'), { recursive: true })
    scratch = await mkdtemp(join(ROOT, 'node_modules/.cache/sentryagent-packed-'))
    const dest = join(scratch, 'tarballs')
    await mkdir(dest)
    tarballs = { core: await pack('core', dest), client: await pack('client', dest), cli: await pack('cli', dest) }
    server = await startIdp()
    admin = adminClient(server.url)
    const p = await provisionAgent(admin, 'packed', ['agents:read'])
    agent = { agentId: p.agent.agentId, clientId: p.credential.clientId, clientSecret: p.credential.clientSecret }
  }, 300_000)
  afterAll(async () => {
    await server?.close()
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  })

  it('ships only the build: dist, package.json, README', async () => {
    for (const tarball of [tarballs.client, tarballs.cli]) {
      const files = (await exec('tar', ['-tzf', tarball])).stdout.trim().split('\n')
      expect(files).toContain('package/package.json')
      expect(files).toContain('package/README.md')
      expect(files.filter((f) => !/^package\/(dist\/|package\.json$|README\.md$)/.test(f))).toEqual([])
    }
  })

  it('imports through the exports map, compiles against the bundled types, and runs the bin', async () => {
    const project = join(scratch, 'consumer')
    await mkdir(project)
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    await install(tarballs.core, project, '@sentryagent/core', 'core')
    await install(tarballs.client, project, '@sentryagent/client', 'client')
    const cliDir = await install(tarballs.cli, project, 'sentryagent', 'cli')

    await writeFile(
      join(project, 'check.mjs'),
      `import { createAgentIdpClient, createAccessTokenVerifier, IdpApiError } from '@sentryagent/client'
import agentIdpAuth from '@sentryagent/client/fastify'
import { requireAgentToken } from '@sentryagent/client/express'
import { run, EXIT_CODES } from 'sentryagent'
const closed = await import('@sentryagent/client/dist/index.js').then(() => 'open', (e) => e.code)
const client = createAgentIdpClient({ url: process.env.URL, clientId: process.env.ID, clientSecret: process.env.SECRET })
const me = await client.whoami()
const verified = await createAccessTokenVerifier({ issuer: process.env.URL, audience: process.env.URL }).verify(await client.tokens.getToken())
console.log(JSON.stringify({ agentId: me.agent_id, subject: verified.subject, fastify: typeof agentIdpAuth, express: typeof requireAgentToken, run: typeof run, usage: EXIT_CODES.USAGE, error: typeof IdpApiError, closed }))
`,
    )
    const { stdout } = await exec(process.execPath, ['check.mjs'], { cwd: project, env: { PATH: process.env['PATH'] ?? '', URL: server.url, ID: agent.clientId, SECRET: agent.clientSecret } })
    expect(JSON.parse(stdout)).toEqual({
      agentId: agent.agentId,
      subject: agent.agentId,
      fastify: 'function',
      express: 'function',
      run: 'function',
      usage: 2,
      error: 'function',
      closed: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    })

    await writeFile(
      join(project, 'check.ts'),
      `import { createAgentIdpClient, type Agent, type VerifiedAccessToken } from '@sentryagent/client'
import agentIdpAuth from '@sentryagent/client/fastify'
import { requireAgentToken, type ExpressGuardOptions } from '@sentryagent/client/express'
import { EXIT_CODES, type ExitCode } from 'sentryagent'
const client = createAgentIdpClient({ url: 'http://localhost:3000', clientId: 'id', clientSecret: 'secret' })
export const agent: Promise<Agent> = client.agents.get('a')
export const status: Promise<'active' | 'suspended' | 'decommissioned'> = agent.then((a) => a.status)
export const typed = client.api.GET('/api/v1/agents/{agentId}', { params: { path: { agentId: 'a' } } })
export const code: ExitCode = EXIT_CODES.REFUSED
export const guards = [agentIdpAuth, requireAgentToken] as const
export type Options = ExpressGuardOptions
export type Token = VerifiedAccessToken['act']
`,
    )
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] }, files: ['check.ts'] }),
    )
    await expect(exec(process.execPath, [TSC, '-p', project])).resolves.toBeDefined()
    // A wrong use of the types is caught: the types are real, not `any`.
    await writeFile(join(project, 'check.ts'), `import { createAgentIdpClient } from '@sentryagent/client'\nexport const n: number = createAgentIdpClient({ url: 'x', clientId: 'i', clientSecret: 's' }).url\n`)
    await expect(exec(process.execPath, [TSC, '-p', project])).rejects.toMatchObject({ stdout: expect.stringContaining("Type 'string' is not assignable to type 'number'") })

    // The bin, linked and made executable as npm does.
    const manifest = JSON.parse(await readFile(join(cliDir, 'package.json'), 'utf8')) as { bin: Record<string, string> }
    expect(Object.keys(manifest.bin)).toEqual(['sentryagent'])
    const binTarget = join(cliDir, manifest.bin['sentryagent']!)
    expect((await readFile(binTarget, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
    await chmod(binTarget, 0o755)
    await mkdir(join(project, 'node_modules/.bin'))
    await symlink(join('..', 'sentryagent', manifest.bin['sentryagent']!), join(project, 'node_modules/.bin/sentryagent'))
    const bin = join(project, 'node_modules/.bin/sentryagent')
    expect((await exec(bin, ['--version'])).stdout.trim()).toBe('0.1.0')
    const env = { PATH: process.env['PATH'] ?? '', HOME: project, SENTRYAGENT_URL: server.url, SENTRYAGENT_CLIENT_ID: agent.clientId, SENTRYAGENT_CLIENT_SECRET: agent.clientSecret }
    expect(JSON.parse((await exec(bin, ['whoami', '--json'], { env })).stdout)).toMatchObject({ agent_id: agent.agentId })

    // The TypeScript starter, depending on the client tarball, builds and obtains a token.
    const starter = join(scratch, 'ts-agent')
    const spec = `file:${tarballs.client}`
    const scaffolded = await exec(bin, ['scaffold', '--agent-id', agent.agentId, '--language', 'typescript', '--out', starter, '--client-package', spec, '--json'], { env })
    expect(JSON.parse(scaffolded.stdout)).toMatchObject({ clientId: agent.clientId })
    const starterManifest = JSON.parse(await readFile(join(starter, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect(starterManifest.dependencies).toEqual({ '@sentryagent/client': spec })
    for (const f of ['package.json', 'src/index.ts', 'README.md']) expect(await readFile(join(starter, f), 'utf8')).not.toContain(agent.clientSecret)
    await install(tarballs.client, starter, '@sentryagent/client', 'client')
    await exec(process.execPath, [TSC, '-p', starter])
    const ran = await exec(process.execPath, [join(starter, 'dist/index.js')], { cwd: starter, env: { PATH: process.env['PATH'] ?? '', SENTRYAGENT_CLIENT_SECRET: agent.clientSecret } })
    expect(JSON.parse(ran.stdout.trim().split('\n').at(-1)!)).toMatchObject({ agentId: agent.agentId, scope: 'agents:read' })
    await expect(exec(process.execPath, [join(starter, 'dist/index.js')], { cwd: starter, env: { PATH: process.env['PATH'] ?? '' } })).rejects.toMatchObject({ code: 3 })
  }, 240_000)
})
