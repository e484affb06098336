/**
 * In-memory {@link Storage}: the development default and the reference implementation of the
 * storage contract. Transactions are serialised and undone from a journal when work throws.
 * State lives in the returned object only (no module-level singletons).
 *
 * @module
 */
import { fastClone } from '../internal/fast-clone.js'
import { IdpError } from '../errors.js'
import { decodeCursor, encodeCursor } from '../pagination/cursor.js'
import type {
  Agent,
  AgentKey,
  AuditCheckpoint,
  AuditEvent,
  Credential,
  Delegation,
  Organization,
  OrganizationMember,
  Page,
  PageQuery,
  RevokedToken,
  SigningKeyRecord,
} from '../model.js'
import type { ConsumerPosition, Storage, StorageTx } from '../ports/storage.js'
import type { MemoryJournal, StorageExtension } from '../ports/storage-extension.js'
import { createMemoryAgentKeyRepository } from './memory-agent-key-repository.js'
import { createMemoryMarketplaceRepository } from './memory-marketplace-repository.js'
import { createMemoryDelegationRepository } from './memory-delegation-repository.js'

interface State {
  orgs: Map<string, Organization & { deletedAt: Date | null }>
  members: Map<string, OrganizationMember>
  agents: Map<string, Agent>
  credentials: Map<string, Credential>
  keys: Map<string, SigningKeyRecord>
  revoked: Map<string, RevokedToken>
  delegations: Map<string, Delegation>
  audit: Map<string, AuditEvent[]>
  agentKeys: Map<string, AgentKey>
  checkpoints: Map<string, AuditCheckpoint[]>
  /** `consumerId\u0000organizationId` → last processed seq. */
  consumers: Map<string, { position: number; updatedAt: Date }>
  jobRuns: Map<string, { lastTick: number; runningUntil: Date | null }>
  /** Repository factories of the storage extensions, by id. */
  extensions: Map<string, (journal: MemoryJournal) => unknown>
}

type Undo = () => void
type Journal = (undo: Undo) => void

const clone = <T>(v: T): T => fastClone(v)

/** Sets `map[key] = value`, journaling how to undo it. */
function put<K, V>(map: Map<K, V>, key: K, value: V, journal: Journal): void {
  const had = map.has(key)
  const before = map.get(key)
  map.set(key, value)
  journal(() => (had ? map.set(key, before as V) : map.delete(key)))
}

function remove<K, V>(map: Map<K, V>, key: K, journal: Journal): boolean {
  if (!map.has(key)) return false
  const before = map.get(key) as V
  map.delete(key)
  journal(() => map.set(key, before))
  return true
}

/** Pages `rows` (already filtered) by (createdAt, id) ascending. */
function pageBy<T>(rows: T[], key: (row: T) => [number, string], page: PageQuery): Page<T> {
  const sorted = rows.sort((a, b) => {
    const [ta, ia] = key(a)
    const [tb, ib] = key(b)
    return ta - tb || (ia < ib ? -1 : ia > ib ? 1 : 0)
  })
  let start = 0
  if (page.cursor !== undefined) {
    const [t, id] = decodeCursor(page.cursor)
    const after = typeof t === 'number' ? t : Date.parse(t)
    start = sorted.findIndex((r) => {
      const [rt, rid] = key(r)
      return rt > after || (rt === after && rid > id)
    })
    if (start === -1) start = sorted.length
  }
  const items = sorted.slice(start, start + page.limit)
  const last = items.at(-1)
  const more = start + page.limit < sorted.length
  return {
    items: items.map(clone),
    nextCursor: more && last !== undefined ? encodeCursor([new Date(key(last)[0]).toISOString(), key(last)[1]]) : null,
  }
}

function extensionNotInstalled(id: string): IdpError {
  return new IdpError('CONFIG_INVALID', `Storage extension ${id} is not installed: pass it to the storage factory's extensions`)
}

function repositories(s: State, journal: Journal): StorageTx {
  const extensionRepos = new Map<string, unknown>()
  const liveOrg = (id: string) => {
    const o = s.orgs.get(id)
    return o === undefined || o.deletedAt !== null ? undefined : o
  }
  const stripDeleted = ({ deletedAt: _d, ...o }: Organization & { deletedAt: Date | null }): Organization => clone(o)
  return {
    ext(id) {
      let repo = extensionRepos.get(id)
      if (repo === undefined) {
        const factory = s.extensions.get(id)
        if (factory === undefined) throw extensionNotInstalled(id)
        repo = factory(journal)
        extensionRepos.set(id, repo)
      }
      return repo as never
    },
    auditConsumers: {
      async pending(consumerId, limit) {
        const out: ConsumerPosition[] = []
        for (const [organizationId, chain] of s.audit) {
          if (!s.orgs.has(organizationId)) continue
          const position = s.consumers.get(`${consumerId}\u0000${organizationId}`)?.position ?? 0
          if ((chain.at(-1)?.seq ?? 0) > position) out.push({ organizationId, position })
        }
        return out.sort((a, b) => (a.organizationId < b.organizationId ? -1 : 1)).slice(0, limit)
      },
      // Memory transactions are serialised, so a claim is never contended.
      async claim(consumerId, organizationId) {
        return s.consumers.get(`${consumerId}\u0000${organizationId}`)?.position ?? 0
      },
      async advance(consumerId, organizationId, position, now) {
        put(s.consumers, `${consumerId}\u0000${organizationId}`, { position, updatedAt: now }, journal)
      },
      async positions(consumerId) {
        const prefix = `${consumerId}\u0000`
        return [...s.consumers.entries()]
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => ({ organizationId: k.slice(prefix.length), position: v.position }))
          .sort((a, b) => (a.organizationId < b.organizationId ? -1 : 1))
      },
    },
    jobRuns: {
      async claim(name, tick, now, leaseUntil) {
        const run = s.jobRuns.get(name)
        if (run !== undefined && (run.lastTick >= tick || (run.runningUntil !== null && run.runningUntil > now))) return false
        put(s.jobRuns, name, { lastTick: tick, runningUntil: leaseUntil }, journal)
        return true
      },
      async release(name, tick) {
        const run = s.jobRuns.get(name)
        if (run?.lastTick === tick) put(s.jobRuns, name, { lastTick: tick, runningUntil: null }, journal)
      },
    },
    agentKeys: createMemoryAgentKeyRepository(s.agentKeys, journal),
    marketplace: createMemoryMarketplaceRepository(s.agents, s.orgs),
    organizations: {
      async insert(org) {
        for (const o of s.orgs.values()) if (o.slug === org.slug) throw new IdpError('CONFLICT', 'Slug already taken')
        put(s.orgs, org.organizationId, { ...clone(org), deletedAt: null }, journal)
      },
      async find(id) {
        const o = liveOrg(id)
        return o === undefined ? null : stripDeleted(o)
      },
      async findBySlug(slug) {
        for (const o of s.orgs.values()) if (o.slug === slug && o.deletedAt === null) return stripDeleted(o)
        return null
      },
      async list(page) {
        const rows = [...s.orgs.values()].filter((o) => o.deletedAt === null).map(stripDeleted)
        return pageBy(rows, (o) => [o.createdAt.getTime(), o.organizationId], page)
      },
      async update(id, patch) {
        const o = liveOrg(id)
        if (o === undefined) return null
        const next = { ...o, ...clone(patch) }
        put(s.orgs, id, next, journal)
        return stripDeleted(next)
      },
      async delete(id, now) {
        const o = liveOrg(id)
        if (o === undefined) return false
        put(s.orgs, id, { ...o, deletedAt: now, updatedAt: now }, journal)
        return true
      },
    },
    members: {
      async upsert(m) {
        put(s.members, `${m.organizationId}/${m.agentId}`, clone(m), journal)
        return clone(m)
      },
      async list(orgId) {
        return [...s.members.values()]
          .filter((m) => m.organizationId === orgId)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.agentId < b.agentId ? -1 : 1))
          .map(clone)
      },
      async remove(orgId, agentId) {
        return remove(s.members, `${orgId}/${agentId}`, journal)
      },
    },
    agents: {
      async insert(agent) {
        if (agent.email !== null) {
          for (const a of s.agents.values()) {
            if (a.organizationId === agent.organizationId && a.email === agent.email) {
              throw new IdpError('CONFLICT', 'Email already used in this organization')
            }
          }
        }
        if (s.agents.has(agent.agentId)) throw new IdpError('CONFLICT', 'Agent id already exists')
        put(s.agents, agent.agentId, clone(agent), journal)
      },
      async find(orgId, id) {
        const a = s.agents.get(id)
        return a !== undefined && a.organizationId === orgId ? clone(a) : null
      },
      async ownerOf(id) {
        return s.agents.get(id)?.organizationId ?? null
      },
      async list(orgId, filter, page) {
        const q = filter.q?.toLowerCase()
        const rows = [...s.agents.values()].filter(
          (a) =>
            a.organizationId === orgId &&
            (filter.status === undefined || a.status === filter.status) &&
            (filter.agentType === undefined || a.agentType === filter.agentType) &&
            (filter.owner === undefined || a.owner === filter.owner) &&
            (q === undefined ||
              a.name.toLowerCase().includes(q) ||
              (a.description ?? '').toLowerCase().includes(q)),
        )
        return pageBy(rows, (a) => [a.createdAt.getTime(), a.agentId], page)
      },
      async countLive(orgId) {
        let n = 0
        for (const a of s.agents.values()) if (a.organizationId === orgId && a.status !== 'decommissioned') n++
        return n
      },
      async update(orgId, id, patch) {
        const a = s.agents.get(id)
        if (a === undefined || a.organizationId !== orgId) return null
        const next = { ...a, ...clone(patch) }
        if (patch.email !== undefined && patch.email !== null && patch.email !== a.email) {
          for (const o of s.agents.values()) {
            if (o.organizationId === orgId && o.email === patch.email) {
              throw new IdpError('CONFLICT', 'Email already used in this organization')
            }
          }
        }
        put(s.agents, id, next, journal)
        return clone(next)
      },
    },
    credentials: {
      async insert(c) {
        for (const x of s.credentials.values()) if (x.clientId === c.clientId) throw new IdpError('CONFLICT', 'Client id taken')
        put(s.credentials, c.credentialId, clone(c), journal)
      },
      async find(orgId, id) {
        const c = s.credentials.get(id)
        return c !== undefined && c.organizationId === orgId ? clone(c) : null
      },
      async findByClientId(clientId) {
        for (const c of s.credentials.values()) if (c.clientId === clientId) return clone(c)
        return null
      },
      async listByAgent(orgId, agentId) {
        return [...s.credentials.values()]
          .filter((c) => c.organizationId === orgId && c.agentId === agentId)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.credentialId < b.credentialId ? -1 : 1))
          .map(clone)
      },
      async update(orgId, id, patch) {
        const c = s.credentials.get(id)
        if (c === undefined || c.organizationId !== orgId) return null
        const next = { ...c, ...clone(patch) }
        put(s.credentials, id, next, journal)
        return clone(next)
      },
      async revokeAllForAgent(orgId, agentId, now) {
        let n = 0
        for (const c of [...s.credentials.values()]) {
          if (c.organizationId === orgId && c.agentId === agentId && c.status === 'active') {
            put(s.credentials, c.credentialId, { ...c, status: 'revoked', revokedAt: now, updatedAt: now }, journal)
            n++
          }
        }
        return n
      },
    },
    signingKeys: {
      async insert(k) {
        if (s.keys.has(k.kid)) throw new IdpError('CONFLICT', 'Key id exists')
        put(s.keys, k.kid, clone(k), journal)
      },
      async list() {
        return [...s.keys.values()]
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.kid < b.kid ? 1 : -1))
          .map(clone)
      },
      async update(kid, patch) {
        const k = s.keys.get(kid)
        if (k !== undefined) put(s.keys, kid, { ...k, ...clone(patch) }, journal)
      },
    },
    revocations: {
      async insert(t) {
        if (!s.revoked.has(t.jti)) put(s.revoked, t.jti, clone(t), journal)
      },
      async isRevoked(jti) {
        return s.revoked.has(jti)
      },
      async listUnexpired(now, limit) {
        return [...s.revoked.values()].filter((t) => t.expiresAt > now).slice(0, limit).map(clone)
      },
    },
    delegations: createMemoryDelegationRepository(s.delegations, journal),
    audit: {
      async append(orgId, link) {
        const chain = s.audit.get(orgId) ?? []
        const last = chain.at(-1)
        const event = link(last === undefined ? null : { seq: last.seq, hash: last.hash })
        if (event.seq !== (last?.seq ?? 0) + 1) throw new IdpError('CONFLICT', 'Audit sequence out of order')
        if (!s.audit.has(orgId)) put(s.audit, orgId, chain, journal)
        chain.push(clone(event))
        journal(() => chain.pop())
        return clone(event)
      },
      async appendMany(orgId, links) {
        const chain = s.audit.get(orgId) ?? []
        const last = chain.at(-1)
        let head = last === undefined ? null : { seq: last.seq, hash: last.hash }
        const out: AuditEvent[] = []
        for (const link of links) {
          const event = link(head)
          if (event.seq !== (head?.seq ?? 0) + 1) throw new IdpError('CONFLICT', 'Audit sequence out of order')
          out.push(clone(event))
          head = { seq: event.seq, hash: event.hash }
        }
        // Nothing is stored unless every link succeeded.
        if (!s.audit.has(orgId)) put(s.audit, orgId, chain, journal)
        chain.push(...out)
        journal(() => chain.splice(chain.length - out.length, out.length))
        return out.map(clone)
      },
      async head(orgId) {
        const last = s.audit.get(orgId)?.at(-1)
        return last === undefined ? null : { seq: last.seq, hash: last.hash }
      },
      async range(orgId, fromSeq, limit) {
        return (s.audit.get(orgId) ?? []).filter((e) => e.seq >= fromSeq).slice(0, limit).map(clone)
      },
      async list(orgId, filter, page) {
        let rows = (s.audit.get(orgId) ?? []).filter(
          (e) =>
            (filter.action === undefined || e.action === filter.action) &&
            (filter.agentId === undefined || e.agentId === filter.agentId) &&
            (filter.outcome === undefined || e.outcome === filter.outcome) &&
            (filter.from === undefined || e.timestamp >= filter.from) &&
            (filter.to === undefined || e.timestamp < filter.to),
        )
        rows = rows.reverse()
        if (page.cursor !== undefined) {
          const [seq] = decodeCursor(page.cursor)
          rows = rows.filter((e) => e.seq < Number(seq))
        }
        const items = rows.slice(0, page.limit)
        const last = items.at(-1)
        return {
          items: items.map(clone),
          nextCursor: rows.length > page.limit && last !== undefined ? encodeCursor([last.seq, last.eventId]) : null,
        }
      },
      async findEvent(orgId, eventId) {
        const e = (s.audit.get(orgId) ?? []).find((x) => x.eventId === eventId)
        return e === undefined ? null : clone(e)
      },
      async purge(orgId, throughSeq) {
        const chain = s.audit.get(orgId)
        if (chain === undefined) return 0
        const kept = chain.filter((e) => e.seq > throughSeq)
        const removed = chain.length - kept.length
        if (removed > 0) put(s.audit, orgId, kept, journal)
        return removed
      },
    },
    auditCheckpoints: {
      async insert(cp) {
        const list = s.checkpoints.get(cp.organizationId) ?? []
        put(s.checkpoints, cp.organizationId, [...list, clone(cp)], journal)
      },
      async latest(orgId) {
        const list = s.checkpoints.get(orgId) ?? []
        const best = list.reduce<AuditCheckpoint | undefined>(
          (b, c) => (b === undefined || c.size > b.size || (c.size === b.size && c.issuedAt >= b.issuedAt) ? c : b),
          undefined,
        )
        return best === undefined ? null : clone(best)
      },
      async findCovering(orgId, seq) {
        const list = (s.checkpoints.get(orgId) ?? []).filter((c) => c.size >= seq)
        const best = list.reduce<AuditCheckpoint | undefined>(
          (b, c) => (b === undefined || c.size < b.size || (c.size === b.size && c.issuedAt < b.issuedAt) ? c : b),
          undefined,
        )
        return best === undefined ? null : clone(best)
      },
      async findBySize(orgId, size) {
        const list = (s.checkpoints.get(orgId) ?? []).filter((c) => c.size === size)
        const best = list.reduce<AuditCheckpoint | undefined>((b, c) => (b === undefined || c.issuedAt >= b.issuedAt ? c : b), undefined)
        return best === undefined ? null : clone(best)
      },
    },
  }
}

/** Options of {@link createMemoryStorage}. */
export interface MemoryStorageOptions {
  /** Storage extensions (plugins' tables); each must have its `memory` half. */
  extensions?: readonly StorageExtension[]
}

/**
 * Creates an empty in-memory storage. Development and tests only: nothing survives the process.
 *
 * @example
 * const idp = createIdp({ issuer: 'http://localhost:3000', storage: createMemoryStorage() })
 * @throws {IdpError} CONFIG_INVALID for an extension without a memory half, or given twice
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): Storage {
  const extensions = new Map<string, (journal: MemoryJournal) => unknown>()
  const problems: string[] = []
  for (const ext of options.extensions ?? []) {
    if (extensions.has(ext.id)) problems.push(`storage extension ${ext.id} is given twice`)
    else if (ext.memory === undefined) problems.push(`storage extension ${ext.id} has no memory half`)
    else extensions.set(ext.id, ext.memory())
  }
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const state: State = {
    orgs: new Map(),
    members: new Map(),
    agents: new Map(),
    credentials: new Map(),
    keys: new Map(),
    revoked: new Map(),
    delegations: new Map(),
    audit: new Map(),
    agentKeys: new Map(),
    checkpoints: new Map(),
    consumers: new Map(),
    jobRuns: new Map(),
    extensions,
  }
  const direct = repositories(state, () => undefined)
  let queue: Promise<unknown> = Promise.resolve()
  return {
    ...direct,
    transaction<T>(work: (tx: StorageTx) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        const undo: Undo[] = []
        try {
          return await work(repositories(state, (u) => undo.push(u)))
        } catch (err) {
          for (const u of undo.reverse()) u()
          throw err
        }
      }
      const result = queue.then(run, run)
      queue = result.catch(() => undefined)
      return result
    },
    async ping() {},
    async close() {},
  }
}
