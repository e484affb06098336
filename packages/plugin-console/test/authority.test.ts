/**
 * The SPEC §2 authority rule for operators, as a property over HTTP (the REST routes with a console
 * session, on memory, PGlite and real PostgreSQL) for every (caller role × target role × same or
 * other organization × operation):
 *
 *   - an operation needs its scope (`operators:write` for changes: owners and admins hold it);
 *   - another organization's operators, passkeys and invitations do not exist (404) — except for
 *     the platform owner (`admin:orgs`), who addresses every organization;
 *   - a change is allowed only over roles the caller may manage: an owner manages every role, an
 *     admin every role but owner (for a role change: the old and the new role);
 *   - a refusal (403 INSUFFICIENT_SCOPE, 404 NOT_FOUND) changes nothing and appends no audit event;
 *     an allowed change is audited in the target's organization.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { storageTargets } from '@sentryagent/adapter-postgres/testing'
import { createIdp, type Idp, type Storage } from '@sentryagent/core'
import { sentryAgentIdp } from '@sentryagent/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPERATOR_ROLES, consoleStorage, cookieName, createConsolePlugin, csrfTokenFor, type OperatorRole } from '../src/index.js'

const targets = await storageTargets([consoleStorage], 'console_authz')
const digest = async (s: string) => (await import('node:crypto')).createHash('sha256').update(s).digest('base64url')

type OrgKey = 'platform' | 'a' | 'b'

interface Actor {
  operatorId: string
  organizationId: string
  role: OperatorRole
  passkeyIds: string[]
  headers: Record<string, string>
}

interface World {
  app: FastifyInstance
  idp: Idp
  storage: Storage
  orgs: Record<OrgKey, string>
}

interface Case {
  callerOrg: 'platform' | 'a'
  callerRole: OperatorRole
  targetRole: OperatorRole
  newRole: OperatorRole
  sameOrg: boolean
  /** For a tenant caller: which other organization it addresses. */
  other: 'b' | 'platform'
}

interface Env {
  world: World
  caller: Actor
  target: Actor
  targetOrgId: string
  c: Case
  prepared: string
}

interface Operation {
  name: string
  write: boolean
  /** The status of success. */
  ok: number
  /** The roles the caller must manage besides the target's. */
  alsoManages?: (c: Case) => OperatorRole[]
  prepare?: (env: Omit<Env, 'prepared'>) => Promise<string>
  run: (env: Env) => Promise<{ statusCode: number; body: string; json: () => unknown }>
}

let n = 0
const call = (env: Env, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  env.world.app.inject({ method, url, headers: env.caller.headers, ...(payload === undefined ? {} : { payload }) })

const OPERATIONS: Operation[] = [
  {
    name: 'invite (target role, addressed by organizationId)',
    write: true,
    ok: 201,
    run: (env) => call(env, 'POST', '/api/v1/operators/invitations', { email: `invitee-${++n}@example.com`, role: env.c.targetRole, organizationId: env.targetOrgId }),
  },
  {
    name: 'change role',
    write: true,
    ok: 200,
    alsoManages: (c) => [c.newRole],
    run: (env) => call(env, 'PATCH', `/api/v1/operators/${env.target.operatorId}`, { role: env.c.newRole }),
  },
  { name: 'disable', write: true, ok: 200, run: (env) => call(env, 'PATCH', `/api/v1/operators/${env.target.operatorId}`, { status: 'disabled' }) },
  { name: 'rename another operator', write: true, ok: 200, run: (env) => call(env, 'PATCH', `/api/v1/operators/${env.target.operatorId}`, { displayName: 'Renamed' }) },
  { name: 'remove', write: true, ok: 204, run: (env) => call(env, 'DELETE', `/api/v1/operators/${env.target.operatorId}`) },
  {
    name: 'remove a passkey',
    write: true,
    ok: 204,
    run: (env) => call(env, 'DELETE', `/api/v1/operators/${env.target.operatorId}/passkeys/${env.target.passkeyIds[0]}`),
  },
  {
    name: 'revoke an invitation',
    write: true,
    ok: 204,
    prepare: async ({ world, targetOrgId, c }) => {
      const invitationId = `inv_${randomUUID()}`
      const now = new Date()
      await world.storage.transaction((tx) =>
        tx.ext('console').insertInvitation({
          invitationId,
          organizationId: targetOrgId,
          email: `pending-${++n}@example.com`,
          role: c.targetRole,
          kind: 'invite',
          tokenHash: randomUUID(),
          createdBy: 'test',
          createdAt: now,
          expiresAt: new Date(now.getTime() + 86_400_000),
          acceptedAt: null,
        }),
      )
      return invitationId
    },
    run: (env) => call(env, 'DELETE', `/api/v1/operators/invitations/${env.prepared}`),
  },
  { name: 'read an operator', write: false, ok: 200, run: (env) => call(env, 'GET', `/api/v1/operators/${env.target.operatorId}`) },
  { name: 'list passkeys', write: false, ok: 200, run: (env) => call(env, 'GET', `/api/v1/operators/${env.target.operatorId}/passkeys`) },
  { name: 'list operators (organizationId)', write: false, ok: 200, run: (env) => call(env, 'GET', `/api/v1/operators?organizationId=${env.targetOrgId}`) },
  { name: 'list invitations (organizationId)', write: false, ok: 200, run: (env) => call(env, 'GET', `/api/v1/operators/invitations?organizationId=${env.targetOrgId}`) },
]

/** Who manages whom, from SPEC §2/§12, written independently of the implementation. */
const MANAGES: Record<OperatorRole, readonly OperatorRole[]> = { owner: ['owner', 'admin', 'member', 'viewer'], admin: ['admin', 'member', 'viewer'], member: [], viewer: [] }

function expected(op: Operation, c: Case): { status: number; code?: string } {
  const writer = c.callerRole === 'owner' || c.callerRole === 'admin'
  if (op.write && !writer) return { status: 403, code: 'INSUFFICIENT_SCOPE' }
  const platformOwner = c.callerOrg === 'platform' && c.callerRole === 'owner'
  if (!c.sameOrg && !platformOwner) return { status: 404, code: 'NOT_FOUND' }
  if (!op.write) return { status: op.ok }
  const roles = [c.targetRole, ...(op.alsoManages?.(c) ?? [])]
  return roles.every((r) => MANAGES[c.callerRole].includes(r)) ? { status: op.ok } : { status: 403, code: 'INSUFFICIENT_SCOPE' }
}

/** An operator with two passkeys and a signed-in session, written to storage as registration and sign-in write them. */
async function operatorIn(world: World, organizationId: string, role: OperatorRole): Promise<Actor> {
  const operatorId = `op_${randomUUID()}`
  const now = new Date()
  const sessionId = randomBytes(32).toString('base64url')
  const passkeyIds = [`pk_${randomUUID()}`, `pk_${randomUUID()}`]
  const sessionHash = await digest(sessionId)
  await world.storage.transaction(async (tx) => {
    const r = tx.ext('console')
    await r.insertOperator({ operatorId, organizationId, email: `${operatorId}@example.com`, displayName: role, role, status: 'active', userHandle: randomUUID(), createdAt: now, updatedAt: now })
    for (const passkeyId of passkeyIds) {
      await r.insertPasskey({ passkeyId, organizationId, operatorId, credentialId: randomUUID(), publicKey: 'cose', counter: 0, transports: [], deviceType: 'multiDevice', backedUp: true, name: 'Key', createdAt: now, lastUsedAt: null })
    }
    await r.insertSession({ sessionHash, organizationId, operatorId, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 3_600_000) })
  })
  return { operatorId, organizationId, role, passkeyIds, headers: { cookie: `${cookieName(false)}=${sessionId}`, 'x-csrf-token': csrfTokenFor(sessionId) } }
}

/** Everything an operation could change in `orgId` about `target`. */
async function snapshot(world: World, orgId: string, operatorId: string) {
  const r = world.storage.ext('console')
  return {
    operator: await r.findOperator(orgId, operatorId),
    passkeys: await r.listPasskeys(orgId, operatorId),
    invitations: await r.listInvitations(orgId),
    operators: await r.listOperators(orgId),
    audit: await world.storage.audit.head(orgId),
  }
}

const arbitraryCase: fc.Arbitrary<Case> = fc.record({
  callerOrg: fc.constantFrom('platform' as const, 'a' as const),
  callerRole: fc.constantFrom(...OPERATOR_ROLES),
  targetRole: fc.constantFrom(...OPERATOR_ROLES),
  newRole: fc.constantFrom(...OPERATOR_ROLES),
  sameOrg: fc.boolean(),
  other: fc.constantFrom('b' as const, 'platform' as const),
})

for (const target of targets) {
  describe(`operator authority over HTTP (${target.name})`, () => {
    let world: World
    let teardown: () => Promise<void>

    beforeAll(async () => {
      const fx = await target.setup()
      const plugin = createConsolePlugin({ onSetupLink: () => undefined })
      const idp = createIdp({ issuer: 'http://localhost:3000', storage: fx.storage, extensions: [plugin.extension] })
      const app = Fastify()
      await app.register(sentryAgentIdp, { idp, rateLimit: false })
      await app.register(plugin.fastify)
      const boot = await idp.bootstrap({ clientId: 'admin', clientSecret: 'x'.repeat(43) })
      await app.ready()
      world = { app, idp, storage: fx.storage, orgs: { platform: boot.organizationId, a: '', b: '' } }
      const platformOwner = await operatorIn(world, boot.organizationId, 'owner')
      for (const key of ['a', 'b'] as const) {
        const res = await app.inject({ method: 'POST', url: '/api/v1/organizations', headers: platformOwner.headers, payload: { name: `Tenant ${key}`, slug: `tenant-${key}` } })
        expect(res.statusCode).toBe(201)
        world.orgs[key] = String((res.json() as { organizationId: string }).organizationId)
        // A second owner, so that the last-owner rule never decides a case.
        await operatorIn(world, world.orgs[key], 'owner')
      }
      teardown = async () => {
        await app.close()
        await fx.teardown()
      }
    }, 60_000)
    afterAll(async () => teardown?.())

    for (const op of OPERATIONS) {
      it(`${op.name}: allowed ⇔ in the caller’s authority and organization; a refusal changes nothing`, async () => {
        await fc.assert(
          fc.asyncProperty(arbitraryCase, async (c) => {
            const callerOrgId = world.orgs[c.callerOrg]
            const targetOrgId = c.sameOrg ? callerOrgId : c.callerOrg === 'platform' ? world.orgs.a : world.orgs[c.other]
            const caller = await operatorIn(world, callerOrgId, c.callerRole)
            const targetOp = await operatorIn(world, targetOrgId, c.targetRole)
            const base = { world, caller, target: targetOp, targetOrgId, c }
            const env: Env = { ...base, prepared: (await op.prepare?.(base)) ?? '' }
            const before = await snapshot(world, targetOrgId, targetOp.operatorId)
            const res = await op.run(env)
            const want = expected(op, c)
            expect(res.statusCode, `${op.name} ${JSON.stringify(c)} → ${res.body}`).toBe(want.status)
            const after = await snapshot(world, targetOrgId, targetOp.operatorId)
            if (want.code !== undefined) {
              expect(res.json()).toMatchObject({ code: want.code })
              expect(after).toStrictEqual(before)
            } else if (op.write) {
              expect(after.audit?.seq).toBeGreaterThan(before.audit?.seq ?? 0)
            } else {
              expect(after).toStrictEqual(before)
            }
          }),
          { numRuns: target.name === 'memory' ? 60 : 20 },
        )
      }, 120_000)
    }

    it('addresses another organization only as a platform owner: its lists, its invitations, its operators', async () => {
      const platformOwner = await operatorIn(world, world.orgs.platform, 'owner')
      const ownerA = await operatorIn(world, world.orgs.a, 'owner')
      const inB = await operatorIn(world, world.orgs.b, 'viewer')
      const list = await world.app.inject({ method: 'GET', url: `/api/v1/operators?organizationId=${world.orgs.b}`, headers: platformOwner.headers })
      const items = (list.json() as { items: { operatorId: string; organizationId: string }[] }).items
      expect(items.map((o) => o.operatorId)).toContain(inB.operatorId)
      expect(items.every((o) => o.organizationId === world.orgs.b)).toBe(true)
      // Without organizationId: the caller's own organization.
      const own = await world.app.inject({ method: 'GET', url: '/api/v1/operators', headers: ownerA.headers })
      expect((own.json() as { items: { organizationId: string }[] }).items.every((o) => o.organizationId === world.orgs.a)).toBe(true)
      // An unknown organization: 404 for the platform owner too; a malformed id: 400.
      expect((await world.app.inject({ method: 'GET', url: '/api/v1/operators?organizationId=org_nope', headers: platformOwner.headers })).statusCode).toBe(404)
      expect((await world.app.inject({ method: 'GET', url: '/api/v1/operators?organizationId=a%20b', headers: platformOwner.headers })).statusCode).toBe(400)
      // The platform owner's change in B is audited in B, as operator:<id>.
      const res = await world.app.inject({ method: 'PATCH', url: `/api/v1/operators/${inB.operatorId}`, headers: platformOwner.headers, payload: { role: 'member' } })
      expect(res.statusCode).toBe(200)
      const events = await world.storage.audit.list(world.orgs.b, { action: 'console.operator_updated' }, { limit: 100 })
      expect(events.items.some((e) => e.actor === `operator:${platformOwner.operatorId}`)).toBe(true)
    })
  })
}
