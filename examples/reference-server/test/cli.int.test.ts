/**
 * The `sentryagent` CLI against the real reference server: profiles and their file modes, the
 * interactive `configure` in tmux (the secret is never echoed), every command group with `--json`
 * and human output, exit codes and error reports, `audit tail` following the log and stopping on
 * SIGINT with exit 0, offline `audit verify`, completion scripts accepted by bash and zsh, and the
 * Python starter obtaining a token with python3.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { AgentIdpClient } from '@sentryagent/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, cliEnv, runCli, runCliProcess, spawnCli, tempHome, waitFor } from './cli-fixtures.js'
import { adminClient, provisionAgent, startIdp } from './client-fixtures.js'
import { ADMIN_ID, ADMIN_SECRET, type Running } from './harness.js'

const exec = promisify(execFile)
const SCOPES = ['agents:read', 'agents:write', 'audit:read', 'tokens:read', 'delegation:write'] as const

describe('sentryagent CLI', () => {
  let server: Running
  let admin: AgentIdpClient
  let operator: { agentId: string; organizationId: string; clientId: string; clientSecret: string }
  let env: Record<string, string>
  const homes: string[] = []
  const home = async () => {
    const h = await tempHome()
    homes.push(h)
    return h
  }

  beforeAll(async () => {
    server = await startIdp()
    admin = adminClient(server.url)
    const { agent, credential, org } = await provisionAgent(admin, 'cli', [...SCOPES])
    operator = { agentId: agent.agentId, organizationId: org.organizationId, clientId: credential.clientId, clientSecret: credential.clientSecret }
    env = { SENTRYAGENT_URL: server.url, SENTRYAGENT_CLIENT_ID: operator.clientId, SENTRYAGENT_CLIENT_SECRET: operator.clientSecret }
  })
  afterAll(async () => {
    await server.close()
    for (const h of homes) await rm(h, { recursive: true, force: true })
  })

  const json = <T = Record<string, unknown>>(r: { stdout: string }): T => JSON.parse(r.stdout) as T

  it('configure stores the profile in ~/.sentryagent (directory 0700, file 0600); whoami uses it; env overrides it', async () => {
    const h = await home()
    const configured = await runCliProcess(['configure', '--url', server.url, '--client-id', operator.clientId, '--client-secret-stdin'], h, { input: `${operator.clientSecret}\n` })
    expect(configured).toMatchObject({ code: 0, stderr: '' })
    expect(configured.stdout).not.toContain(operator.clientSecret)
    expect((await stat(join(h, '.sentryagent'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(h, '.sentryagent/config.json'))).mode & 0o777).toBe(0o600)
    const file = JSON.parse(await readFile(join(h, '.sentryagent/config.json'), 'utf8')) as { defaultProfile: string; profiles: Record<string, Record<string, string>> }
    expect(file).toEqual({ defaultProfile: 'default', profiles: { default: { url: server.url, clientId: operator.clientId, clientSecret: operator.clientSecret } } })

    const me = await runCliProcess(['whoami', '--json'], h)
    expect(me.code).toBe(0)
    expect(json(me)).toMatchObject({ profile: 'default', agent_id: operator.agentId, client_id: operator.clientId })

    // Environment variables override the profile (CI): a wrong secret from the environment is used, and refused.
    const overridden = await runCliProcess(['whoami'], h, { env: { SENTRYAGENT_CLIENT_SECRET: 'wrong-'.repeat(8) } })
    expect(overridden.code).toBe(4)
    expect(overridden.stderr).toContain('INVALID_CLIENT (401)')
    expect(overridden.stderr).not.toContain('wrong-wrong')
    // SENTRYAGENT_PROFILE selects a profile that does not exist: a configuration error.
    expect(await runCliProcess(['whoami'], h, { env: { SENTRYAGENT_PROFILE: 'staging' } })).toMatchObject({ code: 3, stderr: expect.stringContaining('profile "staging" is not configured') })

    // Wrong credentials are refused before anything is written.
    const h2 = await home()
    const refused = await runCliProcess(['configure', '--url', server.url, '--client-id', operator.clientId, '--client-secret-stdin'], h2, { input: 'not-the-secret' })
    expect(refused.code).toBe(4)
    await expect(readdir(join(h2, '.sentryagent'))).rejects.toMatchObject({ code: 'ENOENT' })
  }, 120_000)

  it('configure in a terminal (tmux) never echoes the secret', async () => {
    const h = await home()
    const socket = `sa-${randomBytes(4).toString('hex')}`
    const tmux = (...args: string[]) => exec('tmux', ['-L', socket, ...args], { env: cliEnv(h) })
    const screen = async () => (await tmux('capture-pane', '-p', '-S', '-', '-t', 'cfg')).stdout
    const command = [...Object.entries(cliEnv(h)).map(([k, v]) => `${k}=${JSON.stringify(v)}`), ...CLI.map((a) => JSON.stringify(a)), 'configure'].join(' ')
    await tmux('new-session', '-d', '-s', 'cfg', '-x', '160', '-y', '50', `env ${command}; echo "EXIT=$?"; sleep 30`)
    try {
      const step = async (prompt: string, text: string, secret = false) => {
        expect(await waitFor(async () => (await screen()).includes(prompt), 30_000), `prompt "${prompt}"`).toBe(true)
        await tmux('send-keys', '-t', 'cfg', '-l', text)
        if (secret) {
          await new Promise((r) => setTimeout(r, 300))
          expect(await screen()).not.toContain(text)
        }
        await tmux('send-keys', '-t', 'cfg', 'Enter')
      }
      await step('IdP URL', server.url)
      await step('Client id', operator.clientId)
      await step('Client secret', operator.clientSecret, true)
      expect(await waitFor(async () => (await screen()).includes('EXIT='), 30_000)).toBe(true)
      const final = await screen()
      expect(final).toContain('EXIT=0')
      expect(final).toContain('saved profile "default"')
      expect(final).not.toContain(operator.clientSecret)
      const file = JSON.parse(await readFile(join(h, '.sentryagent/config.json'), 'utf8')) as { profiles: Record<string, { clientSecret: string }> }
      expect(file.profiles['default']?.clientSecret).toBe(operator.clientSecret)
      expect((await stat(join(h, '.sentryagent/config.json'))).mode & 0o777).toBe(0o600)
    } finally {
      await tmux('kill-server').catch(() => undefined)
    }
  }, 90_000)

  it('manages agents, credentials, keys, tokens and delegations with --json and human output', async () => {
    const h = await home()
    const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, h, { env: { ...env, ...extra } })

    const registered = await cli(['--json', 'agents', 'register', '--name', 'cli-worker', '--type', 'extractor', '--agent-version', '1.2.3', '--owner', 'it', '--env', 'staging', '--scope', 'agents:read', '--capability', 'docs:read'])
    expect(registered.code).toBe(0)
    const worker = json<{ agentId: string; scopes: string[]; version: string }>(registered)
    expect(worker).toMatchObject({ scopes: ['agents:read'], version: '1.2.3' })
    const table = await cli(['agents', 'list'])
    expect(table.stdout.split('\n')[0]).toMatch(/^AGENT_ID\s+NAME\s+AGENT_TYPE\s+STATUS\s+SCOPES\s+OWNER$/)
    expect(table.stdout).toContain('cli-worker')
    expect(json<{ items: unknown[] }>(await cli(['--json', 'agents', 'list', '--all', '--limit', '1'])).items.length).toBeGreaterThanOrEqual(2)
    expect(json(await cli(['--json', 'agents', 'update', worker.agentId, '--description', 'extracts'])).description).toBe('extracts')
    expect(json(await cli(['--json', 'agents', 'suspend', worker.agentId])).status).toBe('suspended')
    expect(json(await cli(['agents', 'reactivate', worker.agentId, '--json'])).status).toBe('active')

    const created = await cli(['credentials', 'create', worker.agentId])
    expect(created.stdout).toContain('shown only now')
    const cred = json<{ credentialId: string; clientId: string; clientSecret: string }>(await cli(['--json', 'credentials', 'create', worker.agentId]))
    expect((await cli(['credentials', 'list', worker.agentId])).stdout).not.toContain(cred.clientSecret)
    const rotated = json<{ clientSecret: string }>(await cli(['--json', 'credentials', 'rotate', worker.agentId, cred.credentialId]))
    expect(rotated.clientSecret).not.toBe(cred.clientSecret)
    const workerEnv = { SENTRYAGENT_CLIENT_ID: cred.clientId, SENTRYAGENT_CLIENT_SECRET: rotated.clientSecret }

    // Tokens: the bare token by default, the token response with --json, claims with --decode.
    const bare = await cli(['token', 'issue'], workerEnv)
    expect(bare.stdout.trim().split('.')).toHaveLength(3)
    const decoded = json<{ access_token: string; scope: string; claims: { sub: string }; header: { typ: string } }>(await cli(['--json', 'token', 'issue', '--decode'], workerEnv))
    expect(decoded).toMatchObject({ scope: 'agents:read', claims: { sub: worker.agentId }, header: { typ: 'at+jwt' } })

    // Keys: generated locally, private JWK saved 0600, public half registered; private_key_jwt profile.
    const keyFile = join(h, 'worker.jwk.json')
    const key = json<{ kid: string }>(await cli(['--json', 'keys', 'generate', worker.agentId, '--out', keyFile]))
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({ kid: key.kid, d: expect.any(String) })
    expect((await cli(['keys', 'list', worker.agentId])).stdout).toContain(key.kid)
    expect((await runCli(['configure', '--profile', 'pk', '--url', server.url, '--client-id', worker.agentId, '--private-key-file', keyFile], h, { env: {} })).code).toBe(0)
    expect(json(await runCli(['--profile', 'pk', '--json', 'whoami'], h, { env: {} }))).toMatchObject({ sub: worker.agentId, client_id: worker.agentId })
    expect((await cli(['keys', 'remove', worker.agentId, key.kid])).code).toBe(0)
    expect((await runCli(['--profile', 'pk', 'whoami'], h, { env: {} })).code).toBe(4)

    // Delegation: operator → worker, exchanged by the worker, verified, revoked.
    const delegation = json<{ delegationToken: string; chainId: string }>(await cli(['--json', 'delegate', 'create', '--to', worker.agentId, '--scope', 'agents:read', '--ttl', '600']))
    const exchanged = json<{ claims: { sub: string; act: { sub: string } } }>(await cli(['--json', 'delegate', 'exchange', delegation.delegationToken, '--decode'], workerEnv))
    expect(exchanged.claims).toMatchObject({ sub: operator.agentId, act: { sub: worker.agentId } })
    expect(json(await cli(['--json', 'delegate', 'verify', delegation.delegationToken]))).toMatchObject({ valid: true })
    expect((await cli(['delegate', 'revoke', delegation.chainId])).code).toBe(0)
    expect(json(await cli(['--json', 'delegate', 'verify', delegation.delegationToken]))).toMatchObject({ valid: false, reason: 'revoked' })

    expect((await cli(['credentials', 'revoke', worker.agentId, cred.credentialId])).code).toBe(0)
    expect((await cli(['token', 'issue'], workerEnv)).code).toBe(4)
    expect(await cli(['agents', 'decommission', worker.agentId])).toMatchObject({ code: 2, stderr: expect.stringContaining('--yes') })
    expect((await cli(['agents', 'decommission', worker.agentId, '--yes'])).code).toBe(0)
    expect(json(await cli(['--json', 'agents', 'get', worker.agentId])).status).toBe('decommissioned')
  })

  it('manages organizations and members (admin:orgs)', async () => {
    const h = await home()
    const cli = (args: string[]) => runCli(args, h, { env: { SENTRYAGENT_URL: server.url, SENTRYAGENT_CLIENT_ID: ADMIN_ID, SENTRYAGENT_CLIENT_SECRET: ADMIN_SECRET } })
    const slug = `cli-org-${randomBytes(3).toString('hex')}`
    const org = json<{ organizationId: string; planTier: string }>(await cli(['--json', 'orgs', 'create', '--name', 'CLI Org', '--slug', slug]))
    expect(org.planTier).toBe('free')
    expect((await cli(['orgs', 'list', '--all'])).stdout).toContain(slug)
    expect(json(await cli(['--json', 'orgs', 'update', org.organizationId, '--plan-tier', 'pro'])).planTier).toBe('pro')
    expect(json(await cli(['--json', 'orgs', 'get', org.organizationId])).slug).toBe(slug)
    expect(json(await cli(['--json', 'orgs', 'members', 'add', operator.organizationId, operator.agentId, '--role', 'admin']))).toMatchObject({ role: 'admin' })
    expect((await cli(['orgs', 'members', 'list', operator.organizationId])).stdout).toContain(operator.agentId)
    expect((await cli(['orgs', 'members', 'remove', operator.organizationId, operator.agentId])).code).toBe(0)
    expect((await cli(['orgs', 'delete', org.organizationId])).code).toBe(0)
    expect((await cli(['orgs', 'get', org.organizationId])).code).toBe(4)
  })

  it('prints the problem code and requestId, and exits with the documented codes', async () => {
    const h = await home()
    const missing = await runCli(['agents', 'get', 'no-such-agent'], h, { env })
    expect(missing.code).toBe(4)
    expect(missing.stderr).toMatch(/^error: NOT_FOUND \(404\): .+\nrequestId: \S+\n$/)
    const asJson = await runCli(['--json', 'agents', 'get', 'no-such-agent'], h, { env })
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'NOT_FOUND', status: 404, requestId: expect.any(String) } })
    const invalid = await runCli(['agents', 'register', '--name', 'x', '--type', 'robot', '--agent-version', '1', '--owner', 'o', '--env', 'production'], h, { env })
    expect(invalid.code).toBe(4)
    expect(invalid.stderr).toContain('VALIDATION_ERROR (400)')
    expect(invalid.stderr).toContain('/agentType')
    expect((await runCli(['agents', 'get'], h, { env })).code).toBe(2)
    expect((await runCli(['token', 'issue', '--frobnicate'], h, { env })).code).toBe(2)
    expect((await runCli(['whoami'], h, { env: {} })).code).toBe(3)
    expect((await runCli(['whoami'], h, { env: { ...env, SENTRYAGENT_URL: 'http://127.0.0.1:9' } })).code).toBe(5)
    expect((await runCli(['--version'], h)).stdout.trim()).toBe('0.1.0')
  })

  it('audit tail prints an event appended after it started within 6 s and exits 0 on SIGINT', async () => {
    const h = await home()
    const tail = spawnCli(['audit', 'tail', '--interval', '1', '--action', 'credential.generated'], h, env)
    try {
      expect(await waitFor(() => tail.out().stderr.includes('following the audit log'), 60_000), tail.out().stderr).toBe(true)
      const created = await admin.credentials.create(operator.agentId)
      const appended = Date.now()
      expect(await waitFor(() => tail.out().stdout.includes('credential.generated'), 6000), `stdout: ${tail.out().stdout}\nstderr: ${tail.out().stderr}`).toBe(true)
      expect(Date.now() - appended).toBeLessThan(6000)
      expect(tail.out().stdout).not.toContain(created.clientSecret)
      tail.child.kill('SIGINT')
      expect(await tail.exited).toBe(0)
    } finally {
      tail.child.kill('SIGKILL')
    }
  }, 90_000)

  it('audit checkpoint + export verify offline; a tampered export fails with exit 1', async () => {
    const h = await home()
    const cp = await runCli(['--json', 'audit', 'checkpoint'], h, { env })
    expect(cp.code).toBe(0)
    await writeFile(join(h, 'checkpoint.json'), cp.stdout)
    expect((await runCli(['audit', 'export', '--out', join(h, 'events.ndjson')], h, { env })).code).toBe(0)
    const events = join(h, 'events.ndjson')
    const verified = await runCli(['--json', 'audit', 'verify', '--checkpoint', join(h, 'checkpoint.json'), '--jwks', `${server.url}/.well-known/jwks.json`, '--events', events], h)
    expect(verified.code).toBe(0)
    expect(json(verified)).toMatchObject({ verified: true, checkedCount: expect.any(Number) })
    const lines = (await readFile(events, 'utf8')).trim().split('\n')
    lines[0] = lines[0]!.replace('"outcome":"success"', '"outcome":"failure"')
    await writeFile(join(h, 'tampered.ndjson'), `${lines.join('\n')}\n`)
    const tampered = await runCli(['audit', 'verify', '--checkpoint', join(h, 'checkpoint.json'), '--jwks', `${server.url}/.well-known/jwks.json`, '--events', join(h, 'tampered.ndjson')], h)
    expect(tampered.code).toBe(1)
    expect(tampered.stdout).toContain('NOT VERIFIED')
  })

  it('completion scripts are accepted by bash -n and zsh -n and complete subcommands', async () => {
    const h = await home()
    for (const shell of ['bash', 'zsh'] as const) {
      const script = await runCliProcess(['completion', shell], h)
      expect(script.code).toBe(0)
      const file = join(h, `completion.${shell}`)
      await writeFile(file, script.stdout)
      await expect(exec(shell, ['-n', file])).resolves.toBeDefined()
    }
    const bash = await exec('bash', ['-c', `source ${join(h, 'completion.bash')}; COMP_WORDS=(sentryagent --json agents re); COMP_CWORD=3; _sentryagent; echo "\${COMPREPLY[*]}"`])
    expect(bash.stdout.trim()).toBe('register reactivate')
    // zsh: the completion function with compsys stubbed to print what it would offer.
    const zsh = await exec('zsh', ['-c', `compdef() { :; }; _describe() { print -l -- "\${(@P)4}"; }; compadd() { shift; print -l -- "$@"; }
      source ${join(h, 'completion.zsh')}; words=(sentryagent audit t); CURRENT=3; PREFIX=t; _sentryagent`])
    expect(zsh.stdout).toContain('tail:follow new events')
    expect((await runCli(['completion', 'fish'], h)).code).toBe(2)
  })

  it('scaffolds a Python starter (standard library only) that gets a token with python3; the secret is never written', async () => {
    const h = await home()
    const out = join(h, 'py-agent')
    const scaffolded = await runCli(['--json', 'scaffold', '--agent-id', operator.agentId, '--language', 'python', '--out', out, '--client-id', operator.clientId], h, { env })
    expect(scaffolded.code).toBe(0)
    for (const f of await readdir(out)) expect(await readFile(join(out, f), 'utf8')).not.toContain(operator.clientSecret)
    expect(await readFile(join(out, 'main.py'), 'utf8')).toContain(operator.clientId)
    const ran = await exec('python3', [join(out, 'main.py')], { env: { PATH: process.env['PATH'] ?? '', SENTRYAGENT_CLIENT_SECRET: operator.clientSecret } })
    expect(JSON.parse(ran.stdout.trim().split('\n').at(-1)!)).toMatchObject({ agentId: operator.agentId, organizationId: operator.organizationId })
    await expect(exec('python3', [join(out, 'main.py')], { env: { PATH: process.env['PATH'] ?? '' } })).rejects.toMatchObject({ code: 3 })
    // Without --client-id it takes the agent's newest active credential; a non-empty directory is refused.
    const again = await runCli(['--json', 'scaffold', '--agent-id', operator.agentId, '--language', 'python', '--out', join(h, 'py2')], h, { env })
    expect(json<{ clientId: string }>(again).clientId).toEqual(expect.any(String))
    expect((await runCli(['scaffold', '--agent-id', operator.agentId, '--language', 'python', '--out', out], h, { env })).code).toBe(2)
  })
})
