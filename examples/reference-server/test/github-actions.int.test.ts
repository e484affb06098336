/**
 * The real GitHub Actions (`actions/issue-token`, `actions/register-agent`) run unmodified with
 * `node dist/index.js`, as the runner does: inputs in `INPUT_*`, the ID-token endpoint of the
 * Actions runtime (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`) served by the local GitHub issuer,
 * outputs in the `GITHUB_OUTPUT` file. The token is masked (`::add-mask::`) before any other use.
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createFederationPlugin } from '@sentryagent/plugin-federation'
import { createSafeFetch } from '@sentryagent/safe-fetch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { GITHUB, githubClaims, mappedTransport, startLocalIssuer, type LocalIssuer } from './fixtures/oidc-issuer.js'

const ACTIONS = resolve(import.meta.dirname, '../../../actions')

interface ActionRun {
  code: number
  stdout: string
  outputs: Record<string, string>
}

/** Runs `node <action>/dist/index.js` the way the runner does. */
async function runAction(action: string, inputs: Record<string, string>, env: Record<string, string>): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'gha-'))
  const outputFile = join(dir, 'output')
  await writeFile(outputFile, '')
  try {
    const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, [join(ACTIONS, action, 'dist/index.js')], { env: { PATH: process.env['PATH'] ?? '', GITHUB_OUTPUT: outputFile, ...env, ...inputEnv }, timeout: 30_000 }, (err, out) =>
        done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout: out }),
      )
    })
    return { code, stdout, outputs: parseOutputs(await readFile(outputFile, 'utf8')) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks of a GITHUB_OUTPUT file. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '')
    if (m === null) continue
    const [, name, delimiter] = m
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    if (name !== undefined) out[name] = value.join('\n')
  }
  return out
}

describe('GitHub Actions run unmodified against a local Actions runtime', () => {
  let github: LocalIssuer
  let server: Running
  let env: Record<string, string>
  let deployerId: string
  let registrarId: string
  let registrarToken: () => Promise<string>

  beforeAll(async () => {
    github = await startLocalIssuer(GITHUB)
    const t = TARGETS[TARGETS.length - 1]
    if (t === undefined) throw new Error('no target')
    server = await startOn(t, { PLUGINS: 'federation' }, {
      knownPlugins: {
        federation: { enabledByDefault: () => true, create: (config) => createFederationPlugin({ ...config.federation, transport: mappedTransport([github], createSafeFetch()) }) },
      },
    })
    const http = api(server.url)
    const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
    const tenant = await provisionTenant(server.url, admin, 'gha', ['agents:read', 'agents:write', 'audit:read'])
    const manager = await http.token(tenant.clientId, tenant.clientSecret)
    registrarToken = async () => manager
    const agent = (name: string, scopes: string[]) =>
      http.call('POST', '/api/v1/agents', manager, { name, agentType: 'custom', version: '1.0.0', capabilities: ['deploy:run'], owner: 'ci', deploymentEnv: 'production', scopes })
    deployerId = String((await agent('deployer', ['agents:read', 'audit:read'])).body?.['agentId'])
    registrarId = String((await agent('registrar', ['agents:write'])).body?.['agentId'])
    const policies = [
      { name: 'deploy', issuer: GITHUB, conditions: [{ claim: 'sub', equals: 'repo:acme/app:ref:refs/heads/main' }], agentId: deployerId, scopes: ['agents:read', 'audit:read'] },
      { name: 'bootstrap', issuer: GITHUB, mode: 'bootstrap', conditions: [{ claim: 'repository', equals: 'acme/app' }, { claim: 'workflow', equals: 'register' }], agentId: registrarId },
    ]
    for (const p of policies) expect((await http.call('POST', '/api/v1/oidc/trust-policies', manager, p)).status).toBe(201)
    const requestToken = randomUUID()
    github.idTokens = { requestToken, claims: (audience) => githubClaims(audience) }
    env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${github.local}/actions-id-token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken, GITHUB_REPOSITORY_OWNER: 'acme' }
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await github?.close()
  })

  it('issue-token: writes a masked access token and its expiry to GITHUB_OUTPUT', async () => {
    const run = await runAction('issue-token', { 'api-url': `${server.url}/`, 'agent-id': deployerId, scopes: 'agents:read' }, env)
    expect(run.code, run.stdout).toBe(0)
    const token = run.outputs['access-token'] ?? ''
    expect(token.split('.')).toHaveLength(3)
    expect(run.outputs['scope']).toBe('agents:read')
    expect(Date.parse(run.outputs['expires-at'] ?? '')).toBeGreaterThan(Date.now())
    // Masked before any use: the first line naming the token is its ::add-mask::, and no other line shows it.
    const lines = run.stdout.split('\n').filter((l) => l.includes(token))
    expect(lines).toStrictEqual([`::add-mask::${token}`])
    const res = await api(server.url).call('GET', `/api/v1/agents/${deployerId}`, token)
    expect(res.status).toBe(200)
  })

  it('issue-token: fails the step with the OAuth error and writes no token when no policy matches', async () => {
    github.idTokens = { requestToken: env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '', claims: (audience) => githubClaims(audience, { ref: 'refs/heads/dev' }) }
    try {
      const run = await runAction('issue-token', { 'api-url': server.url, 'agent-id': deployerId }, env)
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('::error::The token request was refused (invalid_grant')
      expect(run.outputs['access-token']).toBeUndefined()
    } finally {
      github.idTokens = { requestToken: env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '', claims: (audience) => githubClaims(audience) }
    }
  })

  it('register-agent: registers an agent with a bootstrap token and outputs its id', async () => {
    github.idTokens = { requestToken: env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '', claims: (audience) => githubClaims(audience, { workflow: 'register' }) }
    const run = await runAction('register-agent', { 'api-url': server.url, 'bootstrap-agent-id': registrarId, 'agent-name': 'built-by-ci', capabilities: 'reports:write', version: '2.1.0' }, env)
    expect(run.code, run.stdout).toBe(0)
    const agentId = run.outputs['agent-id'] ?? ''
    const agent = await api(server.url).call('GET', `/api/v1/agents/${agentId}`, await registrarToken())
    expect(agent.body).toMatchObject({ name: 'built-by-ci', version: '2.1.0', owner: 'acme', capabilities: ['reports:write'], scopes: [] })
  })
})
