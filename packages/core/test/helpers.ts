import { createIdp, type Idp, type IdpOptions, type RequestContext } from '../src/index.js'

export const ADMIN_SECRET = 'admin-secret-'.padEnd(48, 'x')

/** Basic credentials header for a client. */
export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`
}

/** Token for a client via client_secret_basic. */
export async function tokenFor(idp: Idp, clientId: string, secret: string, scope?: string): Promise<string> {
  const res = await idp.oauth.token({
    params: { grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) },
    authorization: basic(clientId, secret),
  })
  return res.access_token
}

/** A context authenticated by `token`. */
export async function ctxFor(idp: Idp, token: string): Promise<RequestContext> {
  return { auth: await idp.authenticate(token), requestId: 'test', ip: '127.0.0.1' }
}

/** A memory IdP with a bootstrapped admin; returns the admin context. */
export async function setup(options: Partial<IdpOptions> = {}) {
  const idp = createIdp({ issuer: 'http://idp.test', ...options })
  const boot = await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
  const admin = await ctxFor(idp, await tokenFor(idp, 'admin', ADMIN_SECRET))
  return { idp, boot, admin }
}

export const agentInput = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  agentType: 'orchestrator' as const,
  version: '1.0.0',
  capabilities: ['documents:read'],
  owner: 'team-a',
  deploymentEnv: 'production' as const,
  ...extra,
})
