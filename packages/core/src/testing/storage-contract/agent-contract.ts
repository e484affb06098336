/**
 * Storage contract: `agents`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Agent } from '../../model.js'
import type { AgentFilter, Storage } from '../../ports/storage.js'
import { at, byCreatedAtThen, collectPages, expectIdpError, newAgent } from './records.js'

/** A promise opened from outside. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open: () => void = () => undefined
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

const byAgentOrder = byCreatedAtThen<Agent>((a) => a.agentId)

/** Registers the agent cases; `storage()` is the current test's fresh storage. */
export function agentContract(storage: () => Storage): void {
  async function listAll(orgId: string, filter: AgentFilter, limit = 2): Promise<Agent[]> {
    const { items } = await collectPages(limit, (cursor) => storage().agents.list(orgId, filter, { limit, cursor }))
    return items
  }

  describe('agents', () => {
    it('insert() then find() round-trips every field', async () => {
      const orgId = randomUUID()
      const full = newAgent(orgId)
      const sparse = newAgent(orgId, {
        email: null,
        description: null,
        capabilities: [],
        scopes: [],
        isPublic: false,
        status: 'suspended',
        agentType: 'custom',
        deploymentEnv: 'development',
      })
      await storage().agents.insert(full)
      await storage().agents.insert(sparse)
      expect(await storage().agents.find(orgId, full.agentId)).toStrictEqual(full)
      expect(await storage().agents.find(orgId, sparse.agentId)).toStrictEqual(sparse)
    })

    it('stores records by value: later mutation of inputs or results changes nothing', async () => {
      const agent = newAgent(randomUUID())
      const snapshot = structuredClone(agent)
      await storage().agents.insert(agent)
      agent.capabilities.push('mutated')
      agent.name = 'mutated'
      const found = await storage().agents.find(snapshot.organizationId, snapshot.agentId)
      expect(found).toStrictEqual(snapshot)
      found?.scopes.push('admin:orgs')
      expect(await storage().agents.find(snapshot.organizationId, snapshot.agentId)).toStrictEqual(snapshot)
    })

    it('find() returns null when absent or owned by another organization', async () => {
      const agent = newAgent(randomUUID())
      await storage().agents.insert(agent)
      expect(await storage().agents.find(agent.organizationId, randomUUID())).toBeNull()
      expect(await storage().agents.find(randomUUID(), agent.agentId)).toBeNull()
    })

    it('find() with forUpdate holds the row until the transaction ends: a concurrent locked read sees the committed write', async () => {
      const agent = newAgent(randomUUID(), { scopes: ['agents:read'] })
      await storage().agents.insert(agent)
      const locked = gate()
      const release = gate()
      const first = storage().transaction(async (tx) => {
        expect(await tx.agents.find(agent.organizationId, agent.agentId, { forUpdate: true })).toStrictEqual(agent)
        locked.open()
        await release.opened
        await tx.agents.update(agent.organizationId, agent.agentId, { scopes: ['agents:read', 'admin:orgs'], updatedAt: at(900) })
      })
      await locked.opened
      const second = storage().transaction((tx) => tx.agents.find(agent.organizationId, agent.agentId, { forUpdate: true }))
      // Give the second transaction every chance to read before the first one writes: without the
      // lock it would see the old scopes (a check made on them would be stale). A waiting read never
      // settles, hence the bounded wait; correctness does not depend on its length.
      await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 250))])
      release.open()
      await first
      expect((await second)?.scopes).toStrictEqual(['agents:read', 'admin:orgs'])
    })

    it('ownerOf() returns the owning organization or null', async () => {
      const agent = newAgent(randomUUID())
      await storage().agents.insert(agent)
      expect(await storage().agents.ownerOf(agent.agentId)).toBe(agent.organizationId)
      expect(await storage().agents.ownerOf(randomUUID())).toBeNull()
    })

    it('insert() throws CONFLICT on a duplicate email in the same organization only', async () => {
      const orgId = randomUUID()
      const first = newAgent(orgId, { email: 'dup@agents.example' })
      await storage().agents.insert(first)
      await expectIdpError(storage().agents.insert(newAgent(orgId, { email: 'dup@agents.example' })), 'CONFLICT')
      const elsewhere = newAgent(randomUUID(), { email: 'dup@agents.example' })
      await storage().agents.insert(elsewhere)
      expect(await storage().agents.find(elsewhere.organizationId, elsewhere.agentId)).toStrictEqual(elsewhere)
      // A missing email is not a value: several agents of one organization may have none.
      await storage().agents.insert(newAgent(orgId, { email: null }))
      await storage().agents.insert(newAgent(orgId, { email: null }))
      expect(await storage().agents.countLive(orgId)).toBe(3)
    })

    it('list() pages by (createdAt, agentId) with equal timestamps, without duplicates or misses', async () => {
      const orgId = randomUUID()
      const agents = [4, 0, 0, 2, 0, 4, 7].map((offset) => newAgent(orgId, { createdAt: at(offset) }))
      for (const agent of agents) await storage().agents.insert(agent)
      await storage().agents.insert(newAgent(randomUUID()))
      const first = await storage().agents.list(orgId, {}, { limit: 3 })
      const expected = [...agents].sort(byAgentOrder)
      expect(first.items).toStrictEqual(expected.slice(0, 3))
      expect(first.nextCursor).not.toBeNull()
      for (const limit of [1, 2, 3, 7, 50]) expect(await listAll(orgId, {}, limit)).toStrictEqual(expected)
      expect(await storage().agents.list(randomUUID(), {}, { limit: 5 })).toStrictEqual({ items: [], nextCursor: null })
    })

    it('list() filters by status, agentType, owner and q (case-insensitive substring)', async () => {
      const orgId = randomUUID()
      const alpha = newAgent(orgId, { name: 'Alpha Screener', description: 'Reads CVs', owner: 'team-a', createdAt: at(1) })
      const beta = newAgent(orgId, {
        name: 'beta',
        description: 'the ALPHA helper',
        status: 'suspended',
        agentType: 'classifier',
        owner: 'team-b',
        createdAt: at(2),
      })
      const gamma = newAgent(orgId, { name: 'Gamma', description: null, status: 'decommissioned', owner: 'team-a', createdAt: at(3) })
      const under = newAgent(orgId, { name: 'under_score', description: '100 percent', agentType: 'router', createdAt: at(4) })
      for (const agent of [gamma, alpha, under, beta]) await storage().agents.insert(agent)
      await storage().agents.insert(newAgent(randomUUID(), { name: 'Alpha elsewhere', owner: 'team-a' }))

      expect(await listAll(orgId, {})).toStrictEqual([alpha, beta, gamma, under])
      expect(await listAll(orgId, { status: 'active' })).toStrictEqual([alpha, under])
      expect(await listAll(orgId, { status: 'decommissioned' })).toStrictEqual([gamma])
      expect(await listAll(orgId, { agentType: 'screener' })).toStrictEqual([alpha, gamma])
      expect(await listAll(orgId, { owner: 'team-a' })).toStrictEqual([alpha, gamma])
      expect(await listAll(orgId, { q: 'alpha' })).toStrictEqual([alpha, beta])
      expect(await listAll(orgId, { q: 'ALP' })).toStrictEqual([alpha, beta])
      expect(await listAll(orgId, { q: 'cvs' }, 1)).toStrictEqual([alpha])
      expect(await listAll(orgId, { q: 'amm' })).toStrictEqual([gamma])
      // `q` is a literal substring: LIKE wildcards match only themselves.
      expect(await listAll(orgId, { q: '_' })).toStrictEqual([under])
      expect(await listAll(orgId, { q: '%' })).toStrictEqual([])
      expect(await listAll(orgId, { q: 'nobody' })).toStrictEqual([])
      expect(await listAll(orgId, { agentType: 'screener', status: 'active', owner: 'team-a', q: 'screen' })).toStrictEqual([alpha])
      expect(await listAll(orgId, { status: undefined, q: undefined })).toStrictEqual([alpha, beta, gamma, under])
    })

    it('countLive() counts agents that are not decommissioned, per organization', async () => {
      const orgId = randomUUID()
      expect(await storage().agents.countLive(orgId)).toBe(0)
      for (const status of ['active', 'suspended', 'decommissioned', 'active'] as const) {
        await storage().agents.insert(newAgent(orgId, { status }))
      }
      await storage().agents.insert(newAgent(randomUUID()))
      expect(await storage().agents.countLive(orgId)).toBe(3)
    })

    it('update() applies the patch and returns the updated row', async () => {
      const agent = newAgent(randomUUID())
      await storage().agents.insert(agent)
      const patch = {
        name: 'renamed',
        email: null,
        version: '2.0.0',
        capabilities: [],
        scopes: ['audit:read' as const],
        isPublic: false,
        status: 'suspended' as const,
        description: null,
        deploymentEnv: 'staging' as const,
        updatedAt: at(900),
      }
      const expected = { ...agent, ...patch }
      expect(await storage().agents.update(agent.organizationId, agent.agentId, patch)).toStrictEqual(expected)
      expect(await storage().agents.find(agent.organizationId, agent.agentId)).toStrictEqual(expected)
      const again = await storage().agents.update(agent.organizationId, agent.agentId, {
        email: 'new@agents.example',
        description: 'back',
        updatedAt: at(901),
      })
      expect(again).toStrictEqual({ ...expected, email: 'new@agents.example', description: 'back', updatedAt: at(901) })
    })

    it('update() returns null when absent or owned by another organization, and changes nothing', async () => {
      const agent = newAgent(randomUUID())
      await storage().agents.insert(agent)
      expect(await storage().agents.update(randomUUID(), agent.agentId, { name: 'x', updatedAt: at(5) })).toBeNull()
      expect(await storage().agents.update(agent.organizationId, randomUUID(), { name: 'x', updatedAt: at(5) })).toBeNull()
      expect(await storage().agents.find(agent.organizationId, agent.agentId)).toStrictEqual(agent)
    })

    it('update() throws CONFLICT when a changed email is used in the organization', async () => {
      const orgId = randomUUID()
      const a = newAgent(orgId)
      const b = newAgent(orgId)
      const foreign = newAgent(randomUUID(), { email: 'foreign@agents.example' })
      for (const agent of [a, b, foreign]) await storage().agents.insert(agent)
      await expectIdpError(storage().agents.update(orgId, b.agentId, { email: a.email, updatedAt: at(5) }), 'CONFLICT')
      expect(await storage().agents.find(orgId, b.agentId)).toStrictEqual(b)
      const same = await storage().agents.update(orgId, a.agentId, { email: a.email, name: 'kept', updatedAt: at(6) })
      expect(same).toStrictEqual({ ...a, name: 'kept', updatedAt: at(6) })
      const moved = await storage().agents.update(orgId, b.agentId, { email: foreign.email, updatedAt: at(7) })
      expect(moved?.email).toBe(foreign.email)
    })
  })
}
