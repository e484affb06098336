/**
 * The federation tables: `federation_trust_policies` and `federation_partners`, with a memory half
 * (journalled writes) and a PostgreSQL/PGlite half on kysely. Every read of one organization's
 * records takes the organization id; the two issuer look-ups used by token exchange are the only
 * reads across organizations (a token names its issuer, not a tenant).
 *
 * @module
 */
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import type { MemoryJournal, StorageTx } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { ClaimCondition, Partner, PolicyMode, TrustPolicy } from './model.js'

/** The repository behind `tx.ext('federation')`. */
export interface FederationRepository {
  insertPolicy(policy: TrustPolicy): Promise<void>
  findPolicy(organizationId: string, policyId: string): Promise<TrustPolicy | null>
  /** One organization's policies ordered by id, after `after`, at most `limit`. */
  listPolicies(organizationId: string, options: { after?: string | undefined; limit: number }): Promise<TrustPolicy[]>
  updatePolicy(policy: TrustPolicy): Promise<void>
  deletePolicy(organizationId: string, policyId: string): Promise<boolean>
  /** Every organization's policies for `issuer` (token exchange). */
  policiesByIssuer(issuer: string): Promise<TrustPolicy[]>

  insertPartner(partner: Partner): Promise<void>
  findPartner(organizationId: string, partnerId: string): Promise<Partner | null>
  listPartners(organizationId: string, options: { after?: string | undefined; limit: number }): Promise<Partner[]>
  updatePartner(partner: Partner): Promise<void>
  deletePartner(organizationId: string, partnerId: string): Promise<boolean>
  /** The partner registered for `issuer`, whoever registered it. */
  partnerByIssuer(issuer: string): Promise<Partner | null>
}

// No `declare module '@sentryagent/core' { interface StorageExtensions { federation: … } }` here:
// merged through the package's re-export, that augmentation narrowed `Storage.ext`'s constraint for
// every other plugin compiled in the same program (TypeScript 5.9, project references). Call sites
// use federationRepo() instead.

// ---- memory -----------------------------------------------------------------------------------

const clonePolicy = (p: TrustPolicy): TrustPolicy => structuredClone(p)
const clonePartner = (p: Partner): Partner => structuredClone(p)

function page<T>(rows: T[], id: (row: T) => string, after: string | undefined, limit: number): T[] {
  return rows
    .filter((r) => after === undefined || id(r) > after)
    .sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))
    .slice(0, limit)
}

function memoryRepository(): (journal: MemoryJournal) => FederationRepository {
  const policies = new Map<string, TrustPolicy>()
  const partners = new Map<string, Partner>()
  const put = <T>(map: Map<string, T>, key: string, value: T, journal: MemoryJournal) => {
    const before = map.get(key)
    map.set(key, value)
    journal(() => (before === undefined ? map.delete(key) : map.set(key, before)))
  }
  const remove = <T>(map: Map<string, T>, key: string, journal: MemoryJournal) => {
    const before = map.get(key)
    if (before === undefined) return false
    map.delete(key)
    journal(() => map.set(key, before))
    return true
  }
  return (journal) => ({
    async insertPolicy(policy) {
      if (policies.has(policy.policyId)) throw new Error('duplicate policy id')
      put(policies, policy.policyId, clonePolicy(policy), journal)
    },
    async findPolicy(organizationId, policyId) {
      const p = policies.get(policyId)
      return p === undefined || p.organizationId !== organizationId ? null : clonePolicy(p)
    },
    async listPolicies(organizationId, { after, limit }) {
      return page([...policies.values()].filter((p) => p.organizationId === organizationId), (p) => p.policyId, after, limit).map(clonePolicy)
    },
    async updatePolicy(policy) {
      const p = policies.get(policy.policyId)
      if (p !== undefined && p.organizationId === policy.organizationId) put(policies, policy.policyId, clonePolicy(policy), journal)
    },
    async deletePolicy(organizationId, policyId) {
      const p = policies.get(policyId)
      return p !== undefined && p.organizationId === organizationId && remove(policies, policyId, journal)
    },
    async policiesByIssuer(issuer) {
      return page([...policies.values()].filter((p) => p.issuer === issuer), (p) => p.policyId, undefined, Number.MAX_SAFE_INTEGER).map(clonePolicy)
    },
    async insertPartner(partner) {
      if (partners.has(partner.partnerId)) throw new Error('duplicate partner id')
      if ([...partners.values()].some((p) => p.issuer === partner.issuer)) throw new Error('duplicate partner issuer')
      put(partners, partner.partnerId, clonePartner(partner), journal)
    },
    async findPartner(organizationId, partnerId) {
      const p = partners.get(partnerId)
      return p === undefined || p.organizationId !== organizationId ? null : clonePartner(p)
    },
    async listPartners(organizationId, { after, limit }) {
      return page([...partners.values()].filter((p) => p.organizationId === organizationId), (p) => p.partnerId, after, limit).map(clonePartner)
    },
    async updatePartner(partner) {
      const p = partners.get(partner.partnerId)
      if (p !== undefined && p.organizationId === partner.organizationId) put(partners, partner.partnerId, clonePartner(partner), journal)
    },
    async deletePartner(organizationId, partnerId) {
      const p = partners.get(partnerId)
      return p !== undefined && p.organizationId === organizationId && remove(partners, partnerId, journal)
    },
    async partnerByIssuer(issuer) {
      const p = [...partners.values()].find((x) => x.issuer === issuer)
      return p === undefined ? null : clonePartner(p)
    },
  })
}

// ---- postgres ---------------------------------------------------------------------------------

type FederationTables = {
  federation_trust_policies: {
    policy_id: string
    organization_id: string
    name: string
    issuer: string
    audience: string | null
    conditions: unknown
    agent_id: string
    scopes: unknown
    mode: string
    created_at: Date
    updated_at: Date
  }
  federation_partners: {
    partner_id: string
    organization_id: string
    name: string
    issuer: string
    jwks_uri: string
    allowed_organizations: unknown
    status: string
    expires_at: Date | null
    created_at: Date
    updated_at: Date
  }
}

type PolicyRow = FederationTables['federation_trust_policies']
type PartnerRow = FederationTables['federation_partners']

const json = (value: unknown) => sql<unknown>`cast(${JSON.stringify(value)} as text)::jsonb`
/** pg parses jsonb; a driver returning text is parsed here. */
const parsed = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value)

function toPolicy(r: PolicyRow): TrustPolicy {
  return {
    policyId: r.policy_id,
    organizationId: r.organization_id,
    name: r.name,
    issuer: r.issuer,
    audience: r.audience,
    conditions: parsed(r.conditions) as ClaimCondition[],
    agentId: r.agent_id,
    scopes: parsed(r.scopes) as string[],
    mode: r.mode as PolicyMode,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  }
}

function toPartner(r: PartnerRow): Partner {
  return {
    partnerId: r.partner_id,
    organizationId: r.organization_id,
    name: r.name,
    issuer: r.issuer,
    jwksUri: r.jwks_uri,
    allowedOrganizations: parsed(r.allowed_organizations) as string[],
    status: r.status === 'active' ? 'active' : 'suspended',
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  }
}

function kyselyRepository(db: Kysely<FederationTables>): FederationRepository {
  const policyValues = (p: TrustPolicy) => ({
    name: p.name,
    issuer: p.issuer,
    audience: p.audience,
    conditions: json(p.conditions),
    agent_id: p.agentId,
    scopes: json(p.scopes),
    mode: p.mode,
    updated_at: p.updatedAt,
  })
  const partnerValues = (p: Partner) => ({
    name: p.name,
    issuer: p.issuer,
    jwks_uri: p.jwksUri,
    allowed_organizations: json(p.allowedOrganizations),
    status: p.status,
    expires_at: p.expiresAt,
    updated_at: p.updatedAt,
  })
  return {
    async insertPolicy(p) {
      await db
        .insertInto('federation_trust_policies')
        .values({ policy_id: p.policyId, organization_id: p.organizationId, created_at: p.createdAt, ...policyValues(p) })
        .execute()
    },
    async findPolicy(organizationId, policyId) {
      const r = await db.selectFrom('federation_trust_policies').selectAll().where('organization_id', '=', organizationId).where('policy_id', '=', policyId).executeTakeFirst()
      return r === undefined ? null : toPolicy(r)
    },
    async listPolicies(organizationId, { after, limit }) {
      let q = db.selectFrom('federation_trust_policies').selectAll().where('organization_id', '=', organizationId)
      if (after !== undefined) q = q.where('policy_id', '>', after)
      return (await q.orderBy('policy_id').limit(limit).execute()).map(toPolicy)
    },
    async updatePolicy(p) {
      await db.updateTable('federation_trust_policies').set(policyValues(p)).where('organization_id', '=', p.organizationId).where('policy_id', '=', p.policyId).execute()
    },
    async deletePolicy(organizationId, policyId) {
      const r = await db.deleteFrom('federation_trust_policies').where('organization_id', '=', organizationId).where('policy_id', '=', policyId).executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
    async policiesByIssuer(issuer) {
      return (await db.selectFrom('federation_trust_policies').selectAll().where('issuer', '=', issuer).orderBy('policy_id').execute()).map(toPolicy)
    },
    async insertPartner(p) {
      await db
        .insertInto('federation_partners')
        .values({ partner_id: p.partnerId, organization_id: p.organizationId, created_at: p.createdAt, ...partnerValues(p) })
        .execute()
    },
    async findPartner(organizationId, partnerId) {
      const r = await db.selectFrom('federation_partners').selectAll().where('organization_id', '=', organizationId).where('partner_id', '=', partnerId).executeTakeFirst()
      return r === undefined ? null : toPartner(r)
    },
    async listPartners(organizationId, { after, limit }) {
      let q = db.selectFrom('federation_partners').selectAll().where('organization_id', '=', organizationId)
      if (after !== undefined) q = q.where('partner_id', '>', after)
      return (await q.orderBy('partner_id').limit(limit).execute()).map(toPartner)
    },
    async updatePartner(p) {
      await db.updateTable('federation_partners').set(partnerValues(p)).where('organization_id', '=', p.organizationId).where('partner_id', '=', p.partnerId).execute()
    },
    async deletePartner(organizationId, partnerId) {
      const r = await db.deleteFrom('federation_partners').where('organization_id', '=', organizationId).where('partner_id', '=', partnerId).executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
    async partnerByIssuer(issuer) {
      const r = await db.selectFrom('federation_partners').selectAll().where('issuer', '=', issuer).executeTakeFirst()
      return r === undefined ? null : toPartner(r)
    },
  }
}

export const federationStorage = {
  id: 'federation',
  memory: memoryRepository,
  postgres: {
    migrations: {
      '0001-federation': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('federation_trust_policies')
            .addColumn('policy_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('issuer', 'text', (c) => c.notNull())
            .addColumn('audience', 'text')
            .addColumn('conditions', 'jsonb', (c) => c.notNull())
            .addColumn('agent_id', 'text', (c) => c.notNull())
            .addColumn('scopes', 'jsonb', (c) => c.notNull())
            .addColumn('mode', 'text', (c) => c.notNull())
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
            .execute()
          await db.schema.createIndex('federation_trust_policies_org').on('federation_trust_policies').columns(['organization_id', 'policy_id']).execute()
          await db.schema.createIndex('federation_trust_policies_issuer').on('federation_trust_policies').column('issuer').execute()
          await db.schema
            .createTable('federation_partners')
            .addColumn('partner_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('issuer', 'text', (c) => c.notNull().unique())
            .addColumn('jwks_uri', 'text', (c) => c.notNull())
            .addColumn('allowed_organizations', 'jsonb', (c) => c.notNull())
            .addColumn('status', 'text', (c) => c.notNull())
            .addColumn('expires_at', 'timestamptz')
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
            .execute()
          await db.schema.createIndex('federation_partners_org').on('federation_partners').columns(['organization_id', 'partner_id']).execute()
        },
      },
    },
    repository: (db: Kysely<object>) => kyselyRepository(db.withTables<FederationTables>()),
  },
} satisfies PostgresStorageExtension<'federation'>

/** The federation repository of a storage or transaction (`tx.ext('federation')`, typed). */
export function federationRepo(s: Pick<StorageTx, 'ext'>): FederationRepository {
  return (s.ext as (id: string) => unknown)('federation') as FederationRepository
}
