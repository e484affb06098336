/**
 * In-memory {@link AgentKeyRepository}, part of `createMemoryStorage()`. Writes are journaled so
 * that a rolled-back transaction leaves no key behind.
 *
 * @module
 */
import { fastClone } from '../internal/fast-clone.js'
import { IdpError } from '../errors.js'
import type { AgentKey } from '../model.js'
import type { AgentKeyRepository } from '../ports/storage.js'

/** Records how to undo one write (the memory storage's transaction journal). */
export type MemoryJournal = (undo: () => void) => void

const clone = <T>(v: T): T => fastClone(v)
const keyOf = (agentId: string, kid: string) => `${agentId}/${kid}`

/**
 * The agent-key repository over `keys` (keyed by `agentId/kid`).
 *
 * @example
 * const repo = createMemoryAgentKeyRepository(new Map(), () => undefined)
 */
export function createMemoryAgentKeyRepository(keys: Map<string, AgentKey>, journal: MemoryJournal): AgentKeyRepository {
  const set = (key: AgentKey) => {
    const k = keyOf(key.agentId, key.kid)
    const had = keys.has(k)
    const before = keys.get(k)
    keys.set(k, clone(key))
    journal(() => (had && before !== undefined ? keys.set(k, before) : keys.delete(k)))
  }
  return {
    async insert(key) {
      if (keys.has(keyOf(key.agentId, key.kid))) throw new IdpError('CONFLICT', 'The agent already has a key with this kid')
      set(key)
    },
    async find(organizationId, agentId, kid) {
      const key = keys.get(keyOf(agentId, kid))
      return key !== undefined && key.organizationId === organizationId ? clone(key) : null
    },
    async listByAgent(organizationId, agentId, options = {}) {
      return [...keys.values()]
        .filter(
          (k) =>
            k.organizationId === organizationId &&
            k.agentId === agentId &&
            (options.activeOnly !== true || k.status === 'active'),
        )
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0))
        .map(clone)
    },
    async remove(organizationId, agentId, kid, now) {
      const key = keys.get(keyOf(agentId, kid))
      if (key === undefined || key.organizationId !== organizationId || key.status !== 'active') return null
      const removed: AgentKey = { ...clone(key), status: 'removed', removedAt: now }
      set(removed)
      return clone(removed)
    },
  }
}
