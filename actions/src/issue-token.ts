/**
 * `sentryagent/actions/issue-token`: an agent access token for this workflow run, from the
 * workflow's OIDC token and a trust policy — no stored secret.
 *
 * Inputs: `api-url`, `agent-id`, `scopes?` (space or comma separated), `audience?` (default api-url).
 * Outputs: `access-token` (masked), `expires-at` (ISO-8601), `scope`.
 */
import * as core from '@actions/core'
import { apiUrl, exchange, run } from './shared.js'

run(async () => {
  const base = apiUrl()
  const agentId = core.getInput('agent-id', { required: true }).trim()
  const scope = core.getInput('scopes').split(/[\s,]+/).filter((s) => s !== '').join(' ')
  const audience = core.getInput('audience').trim()
  const token = await exchange(base, { agentId, scope, ...(audience === '' ? {} : { audience }) })
  core.setOutput('access-token', token.accessToken)
  core.setOutput('expires-at', token.expiresAt)
  core.setOutput('scope', token.scope)
  core.info(`Issued a token for agent ${agentId} (scope: ${token.scope}), expiring at ${token.expiresAt}`)
})
