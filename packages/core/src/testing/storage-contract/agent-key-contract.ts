/**
 * Storage contract: `agentKeys` (agents' public keys).
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AgentKey } from '../../model.js'
import type { Storage } from '../../ports/storage.js'
import { at, expectIdpError } from './records.js'

/** A complete agent key with a random kid and non-trivial JWK members. */
export function newAgentKey(organizationId: string, agentId: string, overrides: Partial<AgentKey> = {}): AgentKey {
  const kid = overrides.kid ?? `kid-${randomUUID()}`
  return {
    organizationId,
    agentId,
    kid,
    alg: 'ES256',
    publicJwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid, alg: 'ES256', use: 'sig' },
    status: 'active',
    createdAt: at(50),
    removedAt: null,
    ...overrides,
  }
}

/** Registers the agent-key cases; `storage()` is the current test's fresh storage. */
export function agentKeyContract(storage: () => Storage): void {
  describe('agentKeys', () => {
    it('insert() then find() round-trips every field, removed keys included', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const active = newAgentKey(orgId, agentId)
      const removed = newAgentKey(orgId, agentId, { status: 'removed', removedAt: at(99), alg: 'EdDSA' })
      await storage().agentKeys.insert(active)
      await storage().agentKeys.insert(removed)
      expect(await storage().agentKeys.find(orgId, agentId, active.kid)).toStrictEqual(active)
      expect(await storage().agentKeys.find(orgId, agentId, removed.kid)).toStrictEqual(removed)
    })

    it('find() is null for another organization, another agent or an unknown kid', async () => {
      const key = newAgentKey(randomUUID(), randomUUID())
      await storage().agentKeys.insert(key)
      expect(await storage().agentKeys.find(randomUUID(), key.agentId, key.kid)).toBeNull()
      expect(await storage().agentKeys.find(key.organizationId, randomUUID(), key.kid)).toBeNull()
      expect(await storage().agentKeys.find(key.organizationId, key.agentId, 'nope')).toBeNull()
    })

    it('insert() throws CONFLICT for a kid the agent already has; the same kid on another agent is fine', async () => {
      const key = newAgentKey(randomUUID(), randomUUID())
      await storage().agentKeys.insert(key)
      await expectIdpError(storage().agentKeys.insert({ ...key, alg: 'EdDSA' }), 'CONFLICT')
      const other = newAgentKey(key.organizationId, randomUUID(), { kid: key.kid })
      await storage().agentKeys.insert(other)
      expect(await storage().agentKeys.find(key.organizationId, key.agentId, key.kid)).toStrictEqual(key)
      expect(await storage().agentKeys.find(other.organizationId, other.agentId, key.kid)).toStrictEqual(other)
    })

    it('listByAgent() orders by (createdAt, kid), is scoped, and filters activeOnly', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const keys = [
        newAgentKey(orgId, agentId, { kid: 'b', createdAt: at(5) }),
        newAgentKey(orgId, agentId, { kid: 'a', createdAt: at(5) }),
        newAgentKey(orgId, agentId, { kid: 'c', createdAt: at(1), status: 'removed', removedAt: at(2) }),
      ]
      for (const k of keys) await storage().agentKeys.insert(k)
      await storage().agentKeys.insert(newAgentKey(orgId, randomUUID()))
      await storage().agentKeys.insert(newAgentKey(randomUUID(), agentId))
      const all = await storage().agentKeys.listByAgent(orgId, agentId)
      expect(all.map((k) => k.kid)).toEqual(['c', 'a', 'b'])
      const active = await storage().agentKeys.listByAgent(orgId, agentId, { activeOnly: true })
      expect(active.map((k) => k.kid)).toEqual(['a', 'b'])
      expect(await storage().agentKeys.listByAgent(randomUUID(), agentId)).toEqual([])
    })

    it('remove() marks an active key removed once; null for removed, unknown or foreign keys', async () => {
      const key = newAgentKey(randomUUID(), randomUUID())
      await storage().agentKeys.insert(key)
      expect(await storage().agentKeys.remove(randomUUID(), key.agentId, key.kid, at(500))).toBeNull()
      const removed = await storage().agentKeys.remove(key.organizationId, key.agentId, key.kid, at(500))
      expect(removed).toStrictEqual({ ...key, status: 'removed', removedAt: at(500) })
      expect(await storage().agentKeys.remove(key.organizationId, key.agentId, key.kid, at(600))).toBeNull()
      expect(await storage().agentKeys.find(key.organizationId, key.agentId, key.kid)).toStrictEqual(removed)
    })

    it('a key inserted in a transaction that throws is not kept', async () => {
      const key = newAgentKey(randomUUID(), randomUUID())
      await expect(
        storage().transaction(async (tx) => {
          await tx.agentKeys.insert(key)
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await storage().agentKeys.find(key.organizationId, key.agentId, key.kid)).toBeNull()
    })
  })
}
