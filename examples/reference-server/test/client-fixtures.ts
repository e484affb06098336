/**
 * A reference server for the SDK and CLI tests: PostgreSQL when it answers (PGlite otherwise) and
 * Redis when it answers (under CI=true both must), in a fresh schema and key prefix. Key rotation is
 * fast (published 2 s before it signs) and rate limits are generous unless a test asks otherwise.
 */
import { randomBytes } from 'node:crypto'
import { serviceReachable } from '@sentryagent/core/testing'
import { createAgentIdpClient, type AgentIdpClient, type AgentIdpClientOptions, type Scope } from '@sentryagent/client'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, startOn, type Running } from './harness.js'
import { REDIS_URL, probeRedis } from './ops-fixtures.js'

const redisUp = await serviceReachable('redis', probeRedis)
/** PostgreSQL when reachable, else PGlite. */
export const TARGET = TARGETS.find((t) => t.name === 'postgres') ?? TARGETS[0]!

/** Starts the server on {@link TARGET} (+ Redis) with `env` on top of the defaults above. */
export async function startIdp(env: Record<string, string> = {}): Promise<Running> {
  return startOn(TARGET, {
    ...(redisUp ? { REDIS_URL, REDIS_KEY_PREFIX: `sdk:${randomBytes(4).toString('hex')}:` } : {}),
    KEY_REFRESH_INTERVAL_SECONDS: '1',
    KEY_ACTIVATION_DELAY_SECONDS: '2',
    RATE_LIMIT_REST_POINTS: '100000',
    RATE_LIMIT_TOKEN_CLIENT_POINTS: '100000',
    RATE_LIMIT_TOKEN_IP_POINTS: '100000',
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    ...env,
  })
}

/** The platform administrator's SDK client. */
export const adminClient = (url: string, options: Partial<AgentIdpClientOptions> = {}): AgentIdpClient =>
  createAgentIdpClient({ url, clientId: ADMIN_ID, clientSecret: ADMIN_SECRET, ...options })

/** A new organization with one agent holding `scopes` and one credential. */
export async function provisionAgent(admin: AgentIdpClient, slug: string, scopes: Scope[]) {
  const org = await admin.organizations.create({ name: slug, slug: `${slug}-${randomBytes(3).toString('hex')}` })
  const agent = await admin.agents.register({
    organizationId: org.organizationId,
    name: `${slug}-agent`,
    agentType: 'orchestrator',
    version: '1.0.0',
    capabilities: ['documents:read'],
    owner: slug,
    deploymentEnv: 'production',
    scopes,
  })
  const credential = await admin.credentials.create(agent.agentId)
  return { org, agent, credential }
}

/** How many `token.issued` events the organization's log holds for `clientId`. */
export async function tokensIssued(auditor: AgentIdpClient, clientId: string): Promise<number> {
  let n = 0
  for await (const event of auditor.audit.listAll({ action: 'token.issued', limit: 100 })) {
    if (event.details['clientId'] === clientId) n++
  }
  return n
}
