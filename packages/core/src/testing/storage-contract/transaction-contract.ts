/**
 * Storage contract: `transaction()` atomicity across every repository, and `ping()`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Storage, StorageTx } from '../../ports/storage.js'
import {
  at,
  auditLink,
  expectIdpError,
  newAgent,
  newCredential,
  newMember,
  newOrganization,
  newRevokedToken,
  newSigningKey,
} from './records.js'

/** Registers the transaction cases; `storage()` is the current test's fresh storage. */
export function transactionContract(storage: () => Storage): void {
  /** Writes through every repository of `tx`; returns what was written. */
  async function writeEverywhere(tx: StorageTx, existingAgent: { organizationId: string; agentId: string }) {
    const org = newOrganization()
    const member = newMember(org.organizationId)
    const agent = newAgent(org.organizationId)
    const credential = newCredential(org.organizationId, agent.agentId)
    const key = newSigningKey()
    const token = newRevokedToken(org.organizationId)
    await tx.organizations.insert(org)
    await tx.members.upsert(member)
    await tx.agents.insert(agent)
    await tx.credentials.insert(credential)
    await tx.signingKeys.insert(key)
    await tx.revocations.insert(token)
    await tx.agents.update(existingAgent.organizationId, existingAgent.agentId, { name: 'changed', updatedAt: at(999) })
    const event = await tx.audit.append(org.organizationId, auditLink(org.organizationId))
    return { org, member, agent, credential, key, token, event }
  }

  describe('transaction', () => {
    it('commits writes made through every repository together, and returns the result of work', async () => {
      const existing = newAgent(randomUUID())
      await storage().agents.insert(existing)
      const written = await storage().transaction(async (tx) => {
        const result = await writeEverywhere(tx, existing)
        // Reads inside the transaction see its own writes.
        expect(await tx.agents.find(result.org.organizationId, result.agent.agentId)).toStrictEqual(result.agent)
        expect(await tx.audit.head(result.org.organizationId)).toStrictEqual({ seq: 1, hash: result.event.hash })
        return result
      })
      const s = storage()
      const orgId = written.org.organizationId
      expect(await s.organizations.find(orgId)).toStrictEqual(written.org)
      expect(await s.members.list(orgId)).toStrictEqual([written.member])
      expect(await s.agents.find(orgId, written.agent.agentId)).toStrictEqual(written.agent)
      expect(await s.credentials.find(orgId, written.credential.credentialId)).toStrictEqual(written.credential)
      expect((await s.signingKeys.list()).find((k) => k.kid === written.key.kid)).toStrictEqual(written.key)
      expect(await s.revocations.isRevoked(written.token.jti)).toBe(true)
      expect(await s.agents.find(existing.organizationId, existing.agentId)).toMatchObject({ name: 'changed' })
      expect(await s.audit.range(orgId, 1, 10)).toStrictEqual([written.event])
    })

    it('rolls back every write when work throws, and rethrows the same error', async () => {
      const existing = newAgent(randomUUID())
      await storage().agents.insert(existing)
      const boom = new Error('boom')
      let written: Awaited<ReturnType<typeof writeEverywhere>> | undefined
      const outcome = storage().transaction(async (tx) => {
        written = await writeEverywhere(tx, existing)
        throw boom
      })
      await expect(outcome).rejects.toBe(boom)
      if (written === undefined) throw new Error('work did not run')
      const s = storage()
      const orgId = written.org.organizationId
      expect(await s.organizations.find(orgId)).toBeNull()
      expect(await s.organizations.findBySlug(written.org.slug)).toBeNull()
      expect(await s.members.list(orgId)).toStrictEqual([])
      expect(await s.agents.find(orgId, written.agent.agentId)).toBeNull()
      expect(await s.agents.ownerOf(written.agent.agentId)).toBeNull()
      expect(await s.credentials.findByClientId(written.credential.clientId)).toBeNull()
      expect((await s.signingKeys.list()).find((k) => k.kid === written?.key.kid)).toBeUndefined()
      expect(await s.revocations.isRevoked(written.token.jti)).toBe(false)
      expect(await s.agents.find(existing.organizationId, existing.agentId)).toStrictEqual(existing)
      expect(await s.audit.head(orgId)).toBeNull()
      // The rolled-back link left no gap: the next append is seq 1 again.
      expect(await s.audit.append(orgId, auditLink(orgId))).toMatchObject({ seq: 1 })
      // The rolled-back rows left nothing reserved.
      await s.organizations.insert(written.org)
      await s.credentials.insert(written.credential)
    })

    it('rolls back when a repository throws inside work, and rethrows that IdpError', async () => {
      const taken = newOrganization()
      await storage().organizations.insert(taken)
      const agent = newAgent(taken.organizationId)
      const outcome = storage().transaction(async (tx) => {
        await tx.agents.insert(agent)
        await tx.organizations.insert(newOrganization({ slug: taken.slug }))
      })
      await expectIdpError(outcome, 'CONFLICT')
      expect(await storage().agents.find(agent.organizationId, agent.agentId)).toBeNull()
    })

    it('stays usable after a CONFLICT that work catches', async () => {
      const taken = newOrganization()
      await storage().organizations.insert(taken)
      const agent = newAgent(taken.organizationId)
      await storage().transaction(async (tx) => {
        await tx.agents.insert(agent)
        await expectIdpError(tx.organizations.insert(newOrganization({ slug: taken.slug })), 'CONFLICT')
        await tx.audit.append(taken.organizationId, auditLink(taken.organizationId))
      })
      expect(await storage().agents.find(agent.organizationId, agent.agentId)).toStrictEqual(agent)
      expect(await storage().audit.head(taken.organizationId)).toMatchObject({ seq: 1 })
    })

    it('runs concurrent transactions without losing writes', async () => {
      const orgId = randomUUID()
      const agents = Array.from({ length: 10 }, (_, i) => newAgent(orgId, { createdAt: at(i) }))
      await Promise.all(
        agents.map((agent) =>
          storage().transaction(async (tx) => {
            await tx.agents.insert(agent)
            await tx.audit.append(orgId, auditLink(orgId, { agentId: agent.agentId }))
          }),
        ),
      )
      expect(await storage().agents.countLive(orgId)).toBe(10)
      expect(await storage().audit.head(orgId)).toMatchObject({ seq: 10 })
    })
  })

  describe('ping', () => {
    it('resolves while the backend is reachable', async () => {
      await expect(storage().ping()).resolves.toBeUndefined()
    })
  })
}
