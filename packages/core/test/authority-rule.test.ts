/**
 * The SPEC §2 authority rule, as a property over every operation that changes an agent:
 *
 *   allowed ⇔ the caller's token holds the operation's scope, and the target's scopes ⊆ the token's
 *             scopes (and, for a scope change, the new scopes ⊆ the token's scopes too)
 *
 * for generated scope sets in four shapes — target ⊆ caller, target ⊄ caller, target holding
 * `admin:orgs` (platform organization), and the caller acting on itself through a token that may be
 * narrowed with `scope=`. A refusal is INSUFFICIENT_SCOPE, changes no state and appends no audit event.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AUDIT_ACTIONS,
  SCOPES,
  createMemoryStorage,
  generateAgentKeyPair,
  isIdpError,
  type Idp,
  type RequestContext,
  type Scope,
  type Storage,
  type schemas,
} from '../src/index.js'
import { agentInput, ctxFor, setup, tokenFor } from './helpers.js'

type Category = 'target ⊆ caller' | 'target ⊄ caller' | 'target holds admin:orgs' | 'self'
const CATEGORIES: readonly Category[] = ['target ⊆ caller', 'target ⊄ caller', 'target holds admin:orgs', 'self']
const TENANT_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'admin:orgs')

interface World {
  idp: Idp
  storage: Storage
  admin: RequestContext
  platformOrgId: string
  adminAgentId: string
  publicJwk: schemas.AddAgentKeyBody['publicJwk'] & object
  /** Every audit action emitted since the last reset. */
  emitted: string[]
}

/** One generated case, resolved to concrete scope sets. */
interface Case {
  category: Category
  platform: boolean
  /** Scopes of the caller's token. */
  token: Scope[]
  /** Scopes of the caller's agent (⊇ token). */
  callerAgent: Scope[]
  /** Scopes of the target (the caller's agent for `self`). */
  target: Scope[]
  /** New scopes, for the scope-change operation. */
  newScopes: Scope[]
}

/** What an operation needs once the caller and the target exist. */
interface Env {
  world: World
  orgId: string
  targetId: string
  callerId: string
  newScopes: Scope[]
}

interface Operation {
  name: string
  /** The scope the operation itself requires (before the authority rule). */
  required: Scope
  /** Runs before the caller acts (as the platform admin); returns what `run` needs. */
  prepare?: (env: Env) => Promise<string>
  run: (env: Env, ctx: RequestContext, prepared: string) => Promise<unknown>
  /** The new scopes must be grantable too. */
  changesScopes?: boolean
  /** Refused on oneself even when the rule allows it (CONFLICT). */
  selfConflict?: boolean
  /** A delegator may always revoke its own delegation (SPEC §8): not acting on another agent. */
  selfAlwaysAllowed?: boolean
}

const OPERATIONS: Operation[] = [
  {
    name: 'agents.update (metadata)',
    required: 'agents:write',
    run: ({ world, targetId }, ctx) => world.idp.agents.update(ctx, targetId, { description: 'changed by the caller' }),
  },
  {
    name: 'agents.update (scopes)',
    required: 'agents:write',
    changesScopes: true,
    run: ({ world, targetId, newScopes }, ctx) => world.idp.agents.update(ctx, targetId, { scopes: newScopes }),
  },
  {
    name: 'agents.update (suspend)',
    required: 'agents:write',
    selfConflict: true,
    run: ({ world, targetId }, ctx) => world.idp.agents.update(ctx, targetId, { status: 'suspended' }),
  },
  {
    name: 'agents.update (reactivate)',
    required: 'agents:write',
    prepare: async ({ world, targetId }) => {
      await world.idp.agents.update(world.admin, targetId, { status: 'suspended' })
      return ''
    },
    run: ({ world, targetId }, ctx) => world.idp.agents.update(ctx, targetId, { status: 'active' }),
  },
  {
    name: 'agents.decommission',
    required: 'agents:write',
    selfConflict: true,
    run: ({ world, targetId }, ctx) => world.idp.agents.decommission(ctx, targetId),
  },
  {
    name: 'credentials.generate',
    required: 'agents:write',
    run: ({ world, targetId }, ctx) => world.idp.credentials.generate(ctx, targetId, {}),
  },
  {
    name: 'credentials.rotate',
    required: 'agents:write',
    prepare: async ({ world, targetId }) => (await world.idp.credentials.generate(world.admin, targetId, {})).credentialId,
    run: ({ world, targetId }, ctx, credentialId) => world.idp.credentials.rotate(ctx, targetId, credentialId),
  },
  {
    name: 'credentials.revoke',
    required: 'agents:write',
    prepare: async ({ world, targetId }) => (await world.idp.credentials.generate(world.admin, targetId, {})).credentialId,
    run: ({ world, targetId }, ctx, credentialId) => world.idp.credentials.revoke(ctx, targetId, credentialId),
  },
  {
    name: 'agentKeys.add (public JWK)',
    required: 'agents:write',
    run: ({ world, targetId }, ctx) => world.idp.agentKeys.add(ctx, targetId, { publicJwk: world.publicJwk }),
  },
  {
    name: 'agentKeys.add (generated pair)',
    required: 'agents:write',
    run: ({ world, targetId }, ctx) => world.idp.agentKeys.add(ctx, targetId, {}),
  },
  {
    name: 'agentKeys.remove',
    required: 'agents:write',
    prepare: async ({ world, targetId }) => (await world.idp.agentKeys.add(world.admin, targetId, { publicJwk: world.publicJwk })).kid,
    run: ({ world, targetId }, ctx, kid) => world.idp.agentKeys.remove(ctx, targetId, kid),
  },
  {
    name: 'delegation.revoke (a delegation the target made)',
    required: 'agents:write',
    selfAlwaysAllowed: true,
    prepare: async ({ world, orgId, targetId }) => {
      const chainId = crypto.randomUUID()
      const now = new Date()
      await world.storage.delegations.insert({
        chainId,
        organizationId: orgId,
        delegatorAgentId: targetId,
        delegateeAgentId: world.adminAgentId,
        scopes: [],
        maxDepth: 1,
        depth: 1,
        parentChainId: null,
        rootChainId: chainId,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
        revokedAt: null,
      })
      return chainId
    },
    run: ({ world }, ctx, chainId) => world.idp.delegation.revoke(ctx, chainId),
  },
  {
    name: 'organizations.addMember',
    required: 'admin:orgs',
    run: ({ world, orgId, targetId }, ctx) => world.idp.organizations.addMember(ctx, orgId, { agentId: targetId, role: 'admin' }),
  },
  {
    name: 'organizations.removeMember',
    required: 'admin:orgs',
    prepare: async ({ world, orgId, targetId }) => {
      await world.idp.organizations.addMember(world.admin, orgId, { agentId: targetId })
      return ''
    },
    run: ({ world, orgId, targetId }, ctx) => world.idp.organizations.removeMember(ctx, orgId, targetId),
  },
]

const subsetOf = (a: readonly Scope[], b: readonly Scope[]) => a.every((s) => b.includes(s))
const union = (...sets: (readonly Scope[])[]) => SCOPES.filter((s) => sets.some((set) => set.includes(s)))
const only = (pool: readonly Scope[], set: readonly Scope[]) => set.filter((s) => pool.includes(s))

/** Scope sets shaped like `category`, with the operation's own scope in the token most of the time. */
function arbitraryCase(op: Operation, category: Category): fc.Arbitrary<Case> {
  return fc
    .record({
      platform: fc.boolean(),
      holdsRequired: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      tokenBase: fc.subarray([...SCOPES]),
      targetBase: fc.subarray([...SCOPES]),
      extra: fc.subarray([...SCOPES]),
      newScopes: fc.subarray([...SCOPES]),
      pick: fc.nat(),
    })
    .map((g): Case => {
      // admin:orgs exists only in the platform organization.
      const platform = g.platform || category === 'target holds admin:orgs' || op.required === 'admin:orgs'
      const pool = platform ? SCOPES : TENANT_SCOPES
      let token = only(pool, union(g.tokenBase, g.holdsRequired && pool.includes(op.required) ? [op.required] : []))
      if (token.length === 0) token = ['agents:read']
      const callerAgent = union(token, only(pool, g.extra))
      const newScopes = only(pool, g.newScopes)
      switch (category) {
        case 'self':
          return { category, platform, token, callerAgent, target: callerAgent, newScopes }
        case 'target ⊆ caller':
          return { category, platform, token, callerAgent, target: only(token, g.targetBase), newScopes }
        case 'target ⊄ caller': {
          const outside = pool.filter((s) => !token.includes(s))
          const extraOne = outside.length === 0 ? [] : [outside[g.pick % outside.length] as Scope]
          return { category, platform, token, callerAgent, target: union(only(pool, g.targetBase), extraOne), newScopes }
        }
        case 'target holds admin:orgs':
          return { category, platform, token, callerAgent, target: union(g.targetBase, ['admin:orgs']), newScopes }
      }
    })
}

type Outcome = 'ok' | 'INSUFFICIENT_SCOPE' | 'CONFLICT'

/** The rule, written independently of the implementation. */
function expectedOutcome(op: Operation, c: Case): Outcome {
  const self = c.category === 'self'
  if (self && op.selfAlwaysAllowed === true) return 'ok'
  const allowed =
    c.token.includes(op.required) && subsetOf(c.target, c.token) && (op.changesScopes !== true || subsetOf(c.newScopes, c.token))
  if (!allowed) return 'INSUFFICIENT_SCOPE'
  return self && op.selfConflict === true ? 'CONFLICT' : 'ok'
}

/** Everything a call on `agentId` could change. */
async function snapshot(storage: Storage, orgId: string, agentId: string) {
  return {
    agent: await storage.agents.find(orgId, agentId),
    credentials: await storage.credentials.listByAgent(orgId, agentId),
    keys: await storage.agentKeys.listByAgent(orgId, agentId),
    members: await storage.members.list(orgId),
    delegations: await storage.delegations.listByAgent(orgId, agentId),
    auditHead: await storage.audit.head(orgId),
  }
}

let slugs = 0

async function registerAgent(world: World, orgId: string, name: string, scopes: Scope[]): Promise<string> {
  return (await world.idp.agents.register(world.admin, { ...agentInput(name), organizationId: orgId, scopes })).agentId
}

/** Creates the caller and the target for `c`, runs `op` as the caller; returns the outcome. */
async function attempt(world: World, op: Operation, c: Case): Promise<{ outcome: Outcome | string; env: Env; error?: unknown }> {
  const orgId = c.platform
    ? world.platformOrgId
    : (await world.idp.organizations.create(world.admin, { name: 'Tenant', slug: `tenant-${++slugs}`, planTier: 'enterprise' }))
        .organizationId
  const callerId = await registerAgent(world, orgId, `caller-${++slugs}`, c.callerAgent)
  const cred = await world.idp.credentials.generate(world.admin, callerId, {})
  const ctx = await ctxFor(world.idp, await tokenFor(world.idp, cred.clientId, cred.clientSecret, c.token.join(' ')))
  expect(ctx.auth.scopes).toEqual(c.token)
  const targetId = c.category === 'self' ? callerId : await registerAgent(world, orgId, `target-${++slugs}`, c.target)
  const env: Env = { world, orgId, targetId, callerId, newScopes: c.newScopes }
  const prepared = (await op.prepare?.(env)) ?? ''

  const before = await snapshot(world.storage, orgId, targetId)
  world.emitted.length = 0
  try {
    await op.run(env, ctx, prepared)
  } catch (error) {
    const outcome = isIdpError(error) ? error.code : 'unexpected'
    if (outcome === 'INSUFFICIENT_SCOPE' || outcome === 'CONFLICT') {
      // A refused call changes nothing and records nothing.
      expect(await snapshot(world.storage, orgId, targetId)).toStrictEqual(before)
      expect(world.emitted).toEqual([])
    }
    return { outcome, env, error }
  }
  // An allowed call did change something, and audited it.
  const after = await snapshot(world.storage, orgId, targetId)
  expect(after.auditHead?.seq).toBeGreaterThan(before.auditHead?.seq ?? 0)
  expect(world.emitted.length).toBeGreaterThan(0)
  return { outcome: 'ok', env }
}

describe('authority rule (SPEC §2) over every agent-changing operation', () => {
  let world: World

  beforeAll(async () => {
    const storage = createMemoryStorage()
    const { idp, boot, admin } = await setup({ storage })
    const { publicJwk: generated } = await generateAgentKeyPair('ES256')
    const publicJwk = { ...generated, kty: generated['kty'] ?? 'EC' }
    world = { idp, storage, admin, platformOrgId: boot.organizationId, adminAgentId: boot.agentId, publicJwk, emitted: [] }
    for (const action of AUDIT_ACTIONS) {
      idp.on(action, () => {
        world.emitted.push(action)
      })
    }
  })

  for (const op of OPERATIONS) {
    describe(op.name, () => {
      for (const category of CATEGORIES) {
        it(`${category}: allowed ⇔ the rule holds; a refusal changes nothing`, async () => {
          await fc.assert(
            fc.asyncProperty(arbitraryCase(op, category), async (c) => {
              const { outcome, error } = await attempt(world, op, c)
              if (outcome === 'unexpected') throw error
              expect(outcome).toBe(expectedOutcome(op, c))
            }),
            { numRuns: 25 },
          )
        })
      }
    })
  }

  it('names the missing scopes in the refusal, and says admin:orgs is needed for an admin:orgs target', async () => {
    const { idp, admin, platformOrgId } = world
    const writer = await registerAgent(world, platformOrgId, 'writer', ['agents:read', 'agents:write'])
    const cred = await idp.credentials.generate(admin, writer, {})
    const ctx = await ctxFor(idp, await tokenFor(idp, cred.clientId, cred.clientSecret))
    const auditor = await registerAgent(world, platformOrgId, 'auditor', ['agents:read', 'audit:read'])
    const toAuditor = await idp.credentials.generate(ctx, auditor, {}).catch((e: unknown) => e)
    expect(toAuditor).toMatchObject({ code: 'INSUFFICIENT_SCOPE', status: 403, message: expect.stringContaining('audit:read') })
    const toAdmin = await idp.credentials.generate(ctx, world.adminAgentId, {}).catch((e: unknown) => e)
    expect(toAdmin).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: expect.stringContaining('admin:orgs') })
  })

  it('binds a narrowed token acting on its own agent: it cannot mint a credential with the full scopes', async () => {
    const { idp, admin, platformOrgId } = world
    const agent = await registerAgent(world, platformOrgId, 'narrowed', ['agents:read', 'agents:write', 'audit:read'])
    const cred = await idp.credentials.generate(admin, agent, {})
    const narrow = await ctxFor(idp, await tokenFor(idp, cred.clientId, cred.clientSecret, 'agents:read agents:write'))
    await expect(idp.credentials.rotate(narrow, agent, cred.credentialId)).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
    await expect(idp.agentKeys.add(narrow, agent, {})).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
    // The full token may.
    const full = await ctxFor(idp, await tokenFor(idp, cred.clientId, cred.clientSecret))
    await expect(idp.credentials.generate(full, agent, {})).resolves.toMatchObject({ agentId: agent })
  })
})
