/**
 * First-start bootstrap (ARCHITECTURE decision 8): on storage without a platform organization,
 * creates it, a platform administrator agent holding every scope, and that agent's credential.
 *
 * @module
 */
import { withAudit } from './audit/with-audit.js'
import { PLATFORM_SLUG } from './authz/tenancy.js'
import { insertCredential, newCredential } from './credentials/generate-credential.js'
import type { Deps } from './deps.js'
import { IdpError, isIdpError } from './errors.js'
import type { BootstrapResult } from './idp.js'
import { newId } from './internal/crypto.js'
import { SCOPES, type Agent, type Organization } from './model.js'

export async function bootstrap(
  deps: Deps,
  input: { clientId?: string | undefined; clientSecret?: string | undefined } = {},
): Promise<BootstrapResult> {
  if (input.clientSecret !== undefined && input.clientSecret.length < 32) {
    throw new IdpError('CONFIG_INVALID', 'The bootstrap client secret must be at least 32 characters')
  }
  const existing = await deps.storage.organizations.findBySlug(PLATFORM_SLUG)
  if (existing !== null) return describeExisting(deps, existing.organizationId)
  const now = deps.clock()
  const org: Organization = {
    organizationId: newId(),
    name: 'Platform',
    slug: PLATFORM_SLUG,
    planTier: 'enterprise',
    maxAgents: null,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  }
  const agent: Agent = {
    agentId: newId(),
    organizationId: org.organizationId,
    name: 'platform-admin',
    email: null,
    agentType: 'custom',
    version: '1.0.0',
    capabilities: ['platform:admin'],
    owner: 'bootstrap',
    deploymentEnv: 'production',
    description: 'Platform administrator created at first start',
    scopes: [...SCOPES],
    isPublic: false,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  }
  const { credential, secret } = newCredential(deps, org.organizationId, agent.agentId, {
    expiresAt: null,
    clientId: input.clientId,
    secret: input.clientSecret,
  })
  // One transaction: a crash can never leave a platform organization without its admin credential.
  try {
    await withAudit(deps, async (tx, audit) => {
    await tx.organizations.insert(org)
    await tx.agents.insert(agent)
    const base = { organizationId: org.organizationId, actor: 'system' }
    await audit({ ...base, action: 'org.created', details: { slug: PLATFORM_SLUG, bootstrap: true } })
    await audit({ ...base, action: 'agent.created', agentId: agent.agentId, details: { name: agent.name, scopes: agent.scopes } })
    await insertCredential(tx, audit, credential, 'system')
    })
  } catch (err) {
    // Another process bootstrapped first: its platform organization wins.
    const winner = await deps.storage.organizations.findBySlug(PLATFORM_SLUG)
    if (isIdpError(err, 'CONFLICT') && winner !== null) return describeExisting(deps, winner.organizationId)
    throw err
  }
  return {
    created: true,
    organizationId: org.organizationId,
    agentId: agent.agentId,
    clientId: credential.clientId,
    ...(input.clientSecret === undefined ? { clientSecret: secret } : {}),
  }
}

async function describeExisting(deps: Deps, organizationId: string): Promise<BootstrapResult> {
  const admins = await deps.storage.agents.list(organizationId, {}, { limit: 1 })
  const admin = admins.items[0]
  const cred = admin === undefined ? undefined : (await deps.storage.credentials.listByAgent(organizationId, admin.agentId))[0]
  return { created: false, organizationId, agentId: admin?.agentId ?? '', clientId: cred?.clientId ?? '' }
}
