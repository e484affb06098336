/**
 * In-memory {@link DelegationRepository}, part of `createMemoryStorage()`. Writes are journaled
 * through the storage's transaction journal so that a rolled-back transaction leaves no link and no
 * revocation behind.
 *
 * @module
 */
import { fastClone } from '../internal/fast-clone.js'
import { IdpError } from '../errors.js'
import type { Delegation } from '../model.js'
import type { DelegationRepository } from '../ports/storage.js'

const clone = <T>(v: T): T => fastClone(v)

const byDepthThenId = (a: Delegation, b: Delegation) =>
  a.depth - b.depth || (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0)

/**
 * The delegation repository over `links` (keyed by chain id). `journal` receives an undo function
 * for every write, as the other memory repositories do.
 */
export function createMemoryDelegationRepository(
  links: Map<string, Delegation>,
  journal: (undo: () => void) => void,
): DelegationRepository {
  const set = (d: Delegation) => {
    const before = links.get(d.chainId)
    links.set(d.chainId, d)
    journal(() => (before === undefined ? links.delete(d.chainId) : links.set(d.chainId, before)))
  }
  const scoped = (orgId: string, chainId: string) => {
    const d = links.get(chainId)
    return d !== undefined && d.organizationId === orgId ? d : undefined
  }
  return {
    async insert(delegation) {
      if (links.has(delegation.chainId)) throw new IdpError('CONFLICT', 'Chain id already exists')
      set(clone(delegation))
    },

    async find(orgId, chainId) {
      const d = scoped(orgId, chainId)
      return d === undefined ? null : clone(d)
    },

    async lineage(orgId, chainId) {
      const out: Delegation[] = []
      let d = scoped(orgId, chainId)
      // Parents are inserted before their children, so the walk always ends; the bound is a guard.
      while (d !== undefined && out.length <= links.size) {
        out.push(clone(d))
        d = d.parentChainId === null ? undefined : scoped(orgId, d.parentChainId)
      }
      return out.sort(byDepthThenId)
    },

    async revokeCascade(orgId, chainId, now) {
      const start = scoped(orgId, chainId)
      if (start === undefined) return []
      const subtree = [start]
      for (let i = 0; i < subtree.length; i++) {
        const parent = subtree[i]
        for (const d of links.values()) {
          if (d.organizationId === orgId && parent !== undefined && d.parentChainId === parent.chainId) subtree.push(d)
        }
      }
      const revoked = subtree.filter((d) => d.revokedAt === null).sort(byDepthThenId)
      for (const d of revoked) set({ ...d, revokedAt: now })
      return revoked.map((d) => d.chainId)
    },

    async listByAgent(orgId, agentId) {
      return [...links.values()]
        .filter((d) => d.organizationId === orgId && (d.delegatorAgentId === agentId || d.delegateeAgentId === agentId))
        .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime() || (a.chainId < b.chainId ? -1 : 1))
        .map(clone)
    },
  }
}
