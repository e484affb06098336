/**
 * Stores a validated public key of an agent and records `key.added`, inside the caller's
 * transaction. Shared by `POST /agents/{id}/keys` and agent registration with `publicJwk`.
 *
 * @module
 */
import type { RecordAudit } from '../audit/with-audit.js'
import { IdpError } from '../errors.js'
import type { Agent, AgentKey } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import type { NormalizedJwk } from './public-jwk.js'

/** Most active keys one agent may hold (bounds the keys tried for an assertion without `kid`). */
export const MAX_ACTIVE_KEYS_PER_AGENT = 10

/**
 * Inserts `jwk` as an active key of `agent` and audits it in the same transaction.
 * @throws {IdpError} CONFLICT when the kid exists for this agent or the agent holds too many keys.
 */
export async function storeAgentKey(
  tx: StorageTx,
  audit: RecordAudit,
  input: { agent: Agent; jwk: NormalizedJwk; generated: boolean; actor: string; ip?: string | null | undefined; now: Date },
): Promise<AgentKey> {
  const { agent, jwk } = input
  const active = await tx.agentKeys.listByAgent(agent.organizationId, agent.agentId, { activeOnly: true })
  if (active.length >= MAX_ACTIVE_KEYS_PER_AGENT) {
    throw new IdpError('CONFLICT', `An agent may hold at most ${MAX_ACTIVE_KEYS_PER_AGENT} active keys`)
  }
  const key: AgentKey = {
    organizationId: agent.organizationId,
    agentId: agent.agentId,
    kid: jwk['kid'] ?? '',
    alg: jwk['alg'] ?? '',
    publicJwk: jwk,
    status: 'active',
    createdAt: input.now,
    removedAt: null,
  }
  await tx.agentKeys.insert(key)
  await audit({
    organizationId: agent.organizationId,
    action: 'key.added',
    actor: input.actor,
    agentId: agent.agentId,
    ip: input.ip,
    details: { kid: key.kid, alg: key.alg, kty: jwk['kty'], generated: input.generated },
  })
  return key
}
