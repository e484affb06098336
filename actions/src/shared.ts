/**
 * What both actions share: reading inputs, getting the workflow's OIDC token for the IdP's
 * audience, and exchanging it at the token endpoint (RFC 7523 jwt-bearer). Every token is masked
 * (`::add-mask::`) before anything else sees it.
 */
import * as core from '@actions/core'

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

export interface IssuedToken {
  accessToken: string
  expiresAt: string
  scope: string
}

/** The IdP base URL without trailing slashes; https only (http allowed for localhost). */
export function apiUrl(): string {
  const raw = core.getInput('api-url', { required: true }).trim()
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Error('api-url must be an absolute URL')
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1'
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) throw new Error('api-url must be an https URL')
  let base = url.toString()
  while (base.endsWith('/')) base = base.slice(0, -1)
  return base
}

/** Gets the workflow's OIDC token (requires `permissions: id-token: write`) and exchanges it. */
export async function exchange(base: string, params: { agentId?: string; scope?: string; audience?: string }): Promise<IssuedToken> {
  const idToken = await core.getIDToken(params.audience ?? base)
  core.setSecret(idToken)
  const form = new URLSearchParams({ grant_type: JWT_BEARER, assertion: idToken })
  if (params.agentId !== undefined && params.agentId !== '') form.set('agent_id', params.agentId)
  if (params.scope !== undefined && params.scope !== '') form.set('scope', params.scope)
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    redirect: 'error',
  })
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
  if (res.status !== 200 || typeof body['access_token'] !== 'string') {
    const error = typeof body['error'] === 'string' ? body['error'] : `HTTP ${res.status}`
    const description = typeof body['error_description'] === 'string' ? `: ${body['error_description']}` : ''
    throw new Error(`The token request was refused (${error}${description})`)
  }
  const accessToken = body['access_token']
  // Masked before any use, including outputs.
  core.setSecret(accessToken)
  const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : 0
  return { accessToken, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(), scope: typeof body['scope'] === 'string' ? body['scope'] : '' }
}

/** Runs `main`, turning any error into a failed step (never printing a token). */
export function run(main: () => Promise<void>): void {
  main().catch((err: unknown) => core.setFailed(err instanceof Error ? err.message : 'failed'))
}
