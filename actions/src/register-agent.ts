/**
 * `sentryagent/actions/register-agent`: registers an agent from a workflow, with a token of a
 * bootstrap trust policy (an `agents:write` token limited to registering agents) — no stored secret.
 *
 * Inputs: `api-url`, `agent-name`, `bootstrap-agent-id?`, `agent-type?` (custom), `version?`
 * (1.0.0), `owner?` (the repository owner), `deployment-env?` (production), `capabilities?`,
 * `scopes?`, `description?`, `audience?`. Output: `agent-id`.
 */
import * as core from '@actions/core'
import { apiUrl, exchange, run } from './shared.js'

const list = (name: string) => core.getInput(name).split(/[\s,]+/).filter((s) => s !== '')

run(async () => {
  const base = apiUrl()
  const audience = core.getInput('audience').trim()
  const token = await exchange(base, { agentId: core.getInput('bootstrap-agent-id').trim(), scope: 'agents:write', ...(audience === '' ? {} : { audience }) })
  const owner = core.getInput('owner').trim() || process.env['GITHUB_REPOSITORY_OWNER'] || 'github-actions'
  const description = core.getInput('description').trim()
  const body = {
    name: core.getInput('agent-name', { required: true }).trim(),
    agentType: core.getInput('agent-type').trim() || 'custom',
    version: core.getInput('version').trim() || '1.0.0',
    capabilities: list('capabilities'),
    owner,
    deploymentEnv: core.getInput('deployment-env').trim() || 'production',
    scopes: list('scopes'),
    ...(description === '' ? {} : { description }),
  }
  const res = await fetch(`${base}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    redirect: 'error',
  })
  const created = (await res.json().catch(() => ({}))) as Record<string, unknown>
  if (res.status !== 201 || typeof created['agentId'] !== 'string') {
    const code = typeof created['code'] === 'string' ? created['code'] : `HTTP ${res.status}`
    const detail = typeof created['detail'] === 'string' ? `: ${created['detail']}` : ''
    throw new Error(`Registering the agent was refused (${code}${detail})`)
  }
  core.setOutput('agent-id', created['agentId'])
  core.info(`Registered agent ${created['agentId']}`)
})
