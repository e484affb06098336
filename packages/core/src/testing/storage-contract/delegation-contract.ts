/**
 * Storage contract: `delegations` (SPEC §8) — round trips, tenancy, lineage, and the cascade that
 * revokes a link with every descendant but never an ancestor or a sibling.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Delegation } from '../../model.js'
import type { Storage } from '../../ports/storage.js'
import { at, expectIdpError } from './records.js'

/** A root link (depth 1) of a fresh chain, or a child of `parent` when given. */
export function newDelegation(organizationId: string, overrides: Partial<Delegation> = {}, parent?: Delegation): Delegation {
  const chainId = randomUUID()
  return {
    chainId,
    organizationId,
    delegatorAgentId: parent?.delegateeAgentId ?? randomUUID(),
    delegateeAgentId: randomUUID(),
    scopes: ['agents:read', 'delegation:write'],
    maxDepth: 3,
    depth: parent === undefined ? 1 : parent.depth + 1,
    parentChainId: parent?.chainId ?? null,
    rootChainId: parent?.rootChainId ?? chainId,
    issuedAt: at(100 + (parent?.depth ?? 0)),
    expiresAt: at(3_600_000),
    revokedAt: null,
    ...overrides,
  }
}

/** Head → middle → tail, plus a sibling of the middle link, all inserted. */
async function threeHops(storage: Storage, orgId: string) {
  const head = newDelegation(orgId)
  const middle = newDelegation(orgId, {}, head)
  const tail = newDelegation(orgId, { scopes: ['agents:read'] }, middle)
  const sibling = newDelegation(orgId, {}, head)
  for (const d of [head, middle, tail, sibling]) await storage.delegations.insert(d)
  return { head, middle, tail, sibling }
}

/** Registers the delegation cases; `storage()` is the current test's fresh storage. */
export function delegationContract(storage: () => Storage): void {
  describe('delegations', () => {
    it('insert() then find() round-trips every field; other organizations see null', async () => {
      const orgId = randomUUID()
      const root = newDelegation(orgId, { maxDepth: 1, scopes: ['agents:read', 'tokens:read', 'audit:read'] })
      const revoked = newDelegation(orgId, { revokedAt: at(500) })
      await storage().delegations.insert(root)
      await storage().delegations.insert(revoked)
      expect(await storage().delegations.find(orgId, root.chainId)).toStrictEqual(root)
      expect(await storage().delegations.find(orgId, revoked.chainId)).toStrictEqual(revoked)
      expect(await storage().delegations.find(randomUUID(), root.chainId)).toBeNull()
      expect(await storage().delegations.find(orgId, randomUUID())).toBeNull()
    })

    it('insert() throws CONFLICT when the chain id exists', async () => {
      const d = newDelegation(randomUUID())
      await storage().delegations.insert(d)
      await expectIdpError(storage().delegations.insert({ ...d, delegateeAgentId: randomUUID() }), 'CONFLICT')
      expect(await storage().delegations.find(d.organizationId, d.chainId)).toStrictEqual(d)
    })

    it('lineage() returns the link and its ancestors root first, [] for another organization', async () => {
      const orgId = randomUUID()
      const { head, middle, tail, sibling } = await threeHops(storage(), orgId)
      expect(await storage().delegations.lineage(orgId, tail.chainId)).toStrictEqual([head, middle, tail])
      expect(await storage().delegations.lineage(orgId, sibling.chainId)).toStrictEqual([head, sibling])
      expect(await storage().delegations.lineage(orgId, head.chainId)).toStrictEqual([head])
      expect(await storage().delegations.lineage(randomUUID(), tail.chainId)).toStrictEqual([])
      expect(await storage().delegations.lineage(orgId, randomUUID())).toStrictEqual([])
    })

    it('revokeCascade() on the middle of three hops revokes the tail, not the head nor a sibling', async () => {
      const orgId = randomUUID()
      const { head, middle, tail, sibling } = await threeHops(storage(), orgId)
      const revoked = await storage().delegations.revokeCascade(orgId, middle.chainId, at(9_000))
      expect(revoked).toStrictEqual([middle.chainId, tail.chainId])
      expect(await storage().delegations.find(orgId, head.chainId)).toStrictEqual(head)
      expect(await storage().delegations.find(orgId, sibling.chainId)).toStrictEqual(sibling)
      expect(await storage().delegations.find(orgId, middle.chainId)).toStrictEqual({ ...middle, revokedAt: at(9_000) })
      expect(await storage().delegations.find(orgId, tail.chainId)).toStrictEqual({ ...tail, revokedAt: at(9_000) })
      const lineage = await storage().delegations.lineage(orgId, tail.chainId)
      expect(lineage.map((d) => d.revokedAt)).toStrictEqual([null, at(9_000), at(9_000)])
    })

    it('revokeCascade() keeps the first revocation time and reports only what it changed', async () => {
      const orgId = randomUUID()
      const { head, middle, tail, sibling } = await threeHops(storage(), orgId)
      expect(await storage().delegations.revokeCascade(orgId, tail.chainId, at(1_000))).toStrictEqual([tail.chainId])
      expect(await storage().delegations.revokeCascade(randomUUID(), head.chainId, at(2_000))).toStrictEqual([])
      expect(await storage().delegations.find(orgId, head.chainId)).toStrictEqual(head)
      const second = await storage().delegations.revokeCascade(orgId, head.chainId, at(3_000))
      expect(second).toStrictEqual([head.chainId, ...[middle.chainId, sibling.chainId].sort()])
      expect(await storage().delegations.find(orgId, tail.chainId)).toMatchObject({ revokedAt: at(1_000) })
      expect(await storage().delegations.find(orgId, middle.chainId)).toMatchObject({ revokedAt: at(3_000) })
      expect(await storage().delegations.revokeCascade(orgId, head.chainId, at(4_000))).toStrictEqual([])
      expect(await storage().delegations.revokeCascade(orgId, randomUUID(), at(4_000))).toStrictEqual([])
    })

    it('revokeCascade() inside a transaction that throws is rolled back', async () => {
      const orgId = randomUUID()
      const { head, middle } = await threeHops(storage(), orgId)
      await expect(
        storage().transaction(async (tx) => {
          await tx.delegations.revokeCascade(orgId, head.chainId, at(5_000))
          await tx.delegations.insert(newDelegation(orgId, {}, middle))
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await storage().delegations.find(orgId, head.chainId)).toStrictEqual(head)
      expect(await storage().delegations.find(orgId, middle.chainId)).toStrictEqual(middle)
    })

    it('listByAgent() lists links where the agent delegates or receives, ordered by (issuedAt, chainId)', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const given = newDelegation(orgId, { delegatorAgentId: agentId, issuedAt: at(30) })
      const received = newDelegation(orgId, { delegateeAgentId: agentId, issuedAt: at(10) })
      const tieA = newDelegation(orgId, { delegatorAgentId: agentId, issuedAt: at(20) })
      const tieB = newDelegation(orgId, { delegateeAgentId: agentId, issuedAt: at(20) })
      const unrelated = newDelegation(orgId)
      const otherOrg = newDelegation(randomUUID(), { delegatorAgentId: agentId })
      for (const d of [given, received, tieA, tieB, unrelated, otherOrg]) await storage().delegations.insert(d)
      const ties = [tieA, tieB].sort((a, b) => (a.chainId < b.chainId ? -1 : 1))
      expect(await storage().delegations.listByAgent(orgId, agentId)).toStrictEqual([received, ...ties, given])
      expect(await storage().delegations.listByAgent(randomUUID(), agentId)).toStrictEqual([])
    })
  })
}
