/**
 * Record → JSON mapper of agent keys. Only public members ever appear: the record holds no others.
 *
 * @module
 */
import type { AgentKey } from '../model.js'
import type { AgentKeyView } from './agent-key-schemas.js'

/** The REST view of an agent key. */
export function agentKeyView(k: AgentKey): AgentKeyView {
  return {
    kid: k.kid,
    agentId: k.agentId,
    alg: k.alg,
    publicJwk: { ...k.publicJwk },
    status: k.status,
    createdAt: k.createdAt.toISOString(),
    removedAt: k.removedAt === null ? null : k.removedAt.toISOString(),
  }
}
