/**
 * The extension seams on memory ports: registries (scopes, actions, error codes, grants,
 * validators), hooks (order, vetoes, notes), the outbox (at-least-once, filters, retention), the
 * system and principal contexts, and the job runner with an injected clock.
 */
import fc from 'fast-check'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  IdpError,
  createMemoryStorage,
  defineErrorCodes,
  errorFactory,
  isIdpError,
  toProblem,
  type AuditEventOf,
  type ExtensionApi,
  type IdpExtension,
  type IssuedTokenDetails,
  type MemoryJournal,
} from '../src/index.js'
import { NUDGE_DELAY_MS } from '../src/audit/consume-audit.js'
import { narrowScopes } from '../src/oauth/narrow-scopes.js'
import { ADMIN_SECRET, agentInput, basic, ctxFor, setup, tokenFor } from './helpers.js'

declare module '../src/index.js' {
  interface AuditDetails {
    'seam.noted': { n: number }
    'seam.token_issued': IssuedTokenDetails & { via: string }
  }
  interface StorageExtensions {
    seam: { add(orgId: string, n: number): Promise<void>; total(orgId: string): Promise<number> }
  }
}

const seamStorage = {
  id: 'seam',
  memory: () => {
    const totals = new Map<string, number>()
    return (journal: MemoryJournal) => ({
      async add(orgId: string, n: number) {
        const before = totals.get(orgId)
        totals.set(orgId, (before ?? 0) + n)
        journal(() => (before === undefined ? totals.delete(orgId) : totals.set(orgId, before)))
      },
      async total(orgId: string) {
        return totals.get(orgId) ?? 0
      },
    })
  },
}

/** A fixed clock that tests move. */
function movableClock(start = Date.UTC(2026, 0, 1)) {
  let now = start
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) }
}

describe('narrowScopes: the one scope-narrowing rule', () => {
  const scope = fc.constantFrom<string>('a:read', 'a:write', 'b:read', 'b:write', 'c:read', 'gone:read')
  const known = (s: string) => s !== 'gone:read'

  it('never grants a scope that is unknown or not allowed, and grants exactly what is asked when it can', () => {
    fc.assert(
      fc.property(fc.uniqueArray(scope), fc.array(scope, { maxLength: 4 }), fc.boolean(), (allowed, asked, omit) => {
        const requested = omit ? undefined : asked.join(' ')
        let granted: string[]
        try {
          granted = narrowScopes(requested, allowed, known)
        } catch (err) {
          expect(isIdpError(err, 'INVALID_SCOPE')).toBe(true)
          // Refused only when something asked is not grantable, or nothing is asked.
          expect(requested !== undefined && (asked.length === 0 || asked.some((s) => !known(s) || !allowed.includes(s)))).toBe(true)
          return
        }
        for (const g of granted) expect(known(g) && allowed.includes(g)).toBe(true)
        if (requested === undefined) expect(new Set(granted)).toEqual(new Set(allowed.filter(known)))
        else expect(new Set(granted)).toEqual(new Set(asked))
      }),
    )
  })
})

describe('extension registries', () => {
  it('refuses bad extensions at createIdp, listing every problem', async () => {
    const bad: IdpExtension[] = [
      { id: 'Bad Id' },
      { id: 'x', scopes: ['agents:read', 'nocolon'], auditActions: ['y.stolen', 'x.ok', 'x.ok'], errorCodes: { NOT_FOUND: { status: 404, title: 't' } } },
      { id: 'x' },
      { id: 'y', grants: [{ grantType: 'client_credentials', clientAuthentication: 'required', handle: async () => Promise.reject(new Error('never')) }] },
      { id: 'core' },
    ]
    const err = await setup({ extensions: bad }).catch((e: unknown) => e)
    expect(isIdpError(err, 'CONFIG_INVALID')).toBe(true)
    const message = (err as Error).message
    for (const part of ['Bad Id', 'scope agents:read is already registered', '"nocolon"', '"y.stolen"', 'x.ok is given twice', 'NOT_FOUND is already defined by core', 'extension x is given twice', 'client_credentials is already registered', '"core"']) {
      expect(message).toContain(part)
    }
  })

  it('refuses an extension whose tables the storage lacks', async () => {
    const storage = createMemoryStorage()
    const err = await setup({ storage, extensions: [{ id: 'seam', storage: seamStorage }] }).catch((e: unknown) => e)
    expect(isIdpError(err, 'CONFIG_INVALID')).toBe(true)
    expect((err as Error).message).toContain('seam')
  })

  it('joins scopes, audit actions, error codes and grant types; records only known, own actions', async () => {
    const ERRORS = defineErrorCodes({ SEAM_FULL: { status: 409, title: 'Full' } })
    let api: ExtensionApi | undefined
    const { idp, admin } = await setup({
      extensions: [{ id: 'seam', scopes: ['seam:write'], auditActions: ['seam.noted'], errorCodes: ERRORS, storage: seamStorage, init: (a) => void (api = a) }],
    })
    await idp.ready()
    expect(idp.discovery()['scopes_supported']).toContain('seam:write')
    expect(idp.registry.auditActions).toContain('seam.noted')
    expect(idp.registry.errorCodes['SEAM_FULL']).toEqual({ status: 409, title: 'Full' })
    if (api === undefined) throw new Error('init did not run')
    const a = api
    const orgId = admin.auth.organizationId
    const event = await a.transaction(async (tx) => {
      await tx.ext('seam').add(orgId, 2)
      return a.audit.record(tx, { organizationId: orgId, action: 'seam.noted', actor: 'system:seam', details: { n: 2 } })
    })
    expect(event).toMatchObject({ action: 'seam.noted', details: { n: 2 } })
    // Core's actions and unknown actions are refused, and refuse the whole transaction.
    await expect(a.transaction((tx) => a.audit.record(tx, { organizationId: orgId, action: 'agent.created', actor: 'x', details: { name: 'forged', scopes: [] } }))).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    // Outside a core transaction there is nothing to emit after: refused.
    await expect(a.storage.transaction((tx) => a.audit.record(tx, { organizationId: orgId, action: 'seam.noted', actor: 'x', details: { n: 1 } }))).rejects.toMatchObject({ code: 'INTERNAL' })
    await expect(
      a.transaction(async (tx) => {
        await tx.ext('seam').add(orgId, 5)
        await a.audit.record(tx, { organizationId: orgId, action: 'seam.noted', actor: 'system:seam', details: { n: 5 } })
        throw errorFactory(ERRORS)('SEAM_FULL')
      }),
    ).rejects.toMatchObject({ code: 'SEAM_FULL', status: 409 })
    // The failed transaction left neither its row nor its event.
    expect(await a.storage.ext('seam').total(orgId)).toBe(2)
    const log = await idp.audit.list(admin, { action: 'seam.noted' })
    expect(log.items.map((e) => e.details)).toEqual([{ n: 2 }])
  })

  it('errorFactory: errors carry their row, so they render without any registry', () => {
    const err = errorFactory(defineErrorCodes({ SEAM_GONE: { status: 410, title: 'Gone for good', oauth: 'invalid_grant' } }))('SEAM_GONE', 'detail')
    expect(err).toBeInstanceOf(IdpError)
    expect(err.spec).toEqual({ status: 410, title: 'Gone for good', oauth: 'invalid_grant' })
    expect(toProblem(err, '/x')).toMatchObject({ status: 410, code: 'SEAM_GONE', title: 'Gone for good', detail: 'detail' })
    // @ts-expect-error -- a misspelt code does not compile
    expect(() => errorFactory(defineErrorCodes({ SEAM_GONE: { status: 410, title: 't' } }))('SEAM_GOEN')).toThrow(TypeError)
    // @ts-expect-error -- a code outside core's table needs its row
    expect(new IdpError('NOT_A_CORE_CODE').status).toBe(500)
  })
})

describe('hooks', () => {
  it('run in extension order, stop at the first veto, and record notes and refusals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('allow', 'note', 'veto'), { minLength: 1, maxLength: 5 }), async (behaviours) => {
        const calls: number[] = []
        let armed = false
        const extensions: IdpExtension[] = behaviours.map((b, i) => ({
          id: `h${i}`,
          hooks: {
            beforeTokenIssue: () => {
              if (!armed) return undefined
              calls.push(i)
              if (b === 'veto') throw new IdpError('RATE_LIMITED', `h${i} says no`)
              return b === 'note' ? { note: { i } } : undefined
            },
          },
        }))
        const { idp, admin } = await setup({ extensions })
        const firstVeto = behaviours.indexOf('veto')
        armed = true
        const result = await idp.oauth.token({ params: { grant_type: 'client_credentials' }, authorization: basic('admin', ADMIN_SECRET) }).catch((e: unknown) => e)
        const expectedCalls = firstVeto === -1 ? behaviours.map((_, i) => i) : behaviours.slice(0, firstVeto + 1).map((_, i) => i)
        expect(calls).toEqual(expectedCalls)
        const events = (await idp.audit.list(admin, { limit: 1 })).items[0]
        if (firstVeto === -1) {
          expect(result).toHaveProperty('access_token')
          const notes = Object.fromEntries(behaviours.flatMap((b, i) => (b === 'note' ? [[`h${i}`, { i }]] : [])))
          expect(events).toMatchObject({ action: 'token.issued', details: Object.keys(notes).length === 0 ? expect.not.objectContaining({ hooks: expect.anything() }) : expect.objectContaining({ hooks: notes }) })
        } else {
          expect(isIdpError(result, 'RATE_LIMITED')).toBe(true)
          expect(events).toMatchObject({ action: 'hook.vetoed', outcome: 'failure', details: { hook: 'beforeTokenIssue', extensionId: `h${firstVeto}`, code: 'RATE_LIMITED', operation: 'token.issued' } })
        }
        await idp.close()
      }),
      { numRuns: 15 },
    )
  })

  it('beforeAgentCreate sees the transaction; a veto leaves nothing but its hook.vetoed event', async () => {
    const { idp, admin } = await setup({
      extensions: [
        {
          id: 'cap',
          hooks: {
            beforeAgentCreate: async ({ tx, organization }) => {
              if ((await tx.agents.countLive(organization.organizationId)) >= 2) throw new IdpError('CONFLICT', 'two is enough')
              return { note: 'under cap' }
            },
          },
        },
      ],
    })
    const org = await idp.organizations.create(admin, { name: 'Cap', slug: 'cap' })
    await idp.agents.register(admin, { ...agentInput('one'), organizationId: org.organizationId })
    await idp.agents.register(admin, { ...agentInput('two'), organizationId: org.organizationId })
    await expect(idp.agents.register(admin, { ...agentInput('three'), organizationId: org.organizationId })).rejects.toMatchObject({ code: 'CONFLICT' })
    const orgCtx = { ...admin, auth: { ...admin.auth, organizationId: org.organizationId } }
    const log = (await idp.audit.list(orgCtx, {})).items.map((e) => [e.action, e.outcome])
    expect(log).toEqual([['hook.vetoed', 'failure'], ['agent.created', 'success'], ['agent.created', 'success'], ['org.created', 'success']])
    expect((await idp.audit.list(orgCtx, { action: 'agent.created', limit: 1 })).items[0]?.details).toMatchObject({ hooks: { cap: 'under cap' } })
    expect((await idp.agents.list(orgCtx, {})).items).toHaveLength(2)
  })
})

describe('grants and token exchange routing', () => {
  it('an extension grant mints through the one path: hooks, audit, an extension binding that the extension keeps alive', async () => {
    let alive = true
    const { idp, admin } = await setup({
      extensions: [
        {
          id: 'seam',
          auditActions: ['seam.token_issued'],
          isTokenBindingLive: async () => alive,
          grants: [
            {
              grantType: 'urn:test:seam',
              clientAuthentication: 'optional',
              async handle(req, api) {
                const agent = await api.storage.agents.find(admin.auth.organizationId, req.requireParam('agent'))
                if (agent === null) throw new IdpError('INVALID_GRANT', 'no agent')
                return {
                  subject: agent,
                  clientId: 'seam-client',
                  binding: { kind: 'extension', id: 'b1' },
                  scopes: api.narrowScopes(req.param('scope'), agent.scopes),
                  notAfter: new Date(api.clock().getTime() + 60_000),
                  claims: { seam: 'yes' },
                  audit: { action: 'seam.token_issued', actor: 'system:seam', details: { via: 'test' } },
                }
              },
            },
          ],
        },
      ],
    })
    const res = await idp.oauth.token({ params: { grant_type: 'urn:test:seam', agent: admin.auth.agentId, scope: 'agents:read' } })
    expect(res).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'agents:read' })
    expect(decodeJwt(res.access_token)).toMatchObject({ ext_binding: 'seam:b1', seam: 'yes', client_id: 'seam-client' })
    const ctx = await ctxFor(idp, res.access_token)
    expect(ctx.auth.scopes).toEqual(['agents:read'])
    expect((await idp.audit.list(admin, { action: 'seam.token_issued' })).items[0]?.details).toMatchObject({ via: 'test', grantType: 'urn:test:seam', expiresAt: expect.any(Number) })
    alive = false
    await expect(idp.authenticate(res.access_token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    // Presented client credentials are verified even when the grant does not need them.
    await expect(idp.oauth.token({ params: { grant_type: 'urn:test:seam', agent: admin.auth.agentId }, authorization: basic('admin', 'wrong') })).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
  })

  it('a grant cannot forge reserved claims', async () => {
    const { idp, admin } = await setup({
      extensions: [
        {
          id: 'forger',
          grants: [
            {
              grantType: 'urn:test:forge',
              clientAuthentication: 'optional',
              async handle(_req, api) {
                const agent = await api.storage.agents.find(admin.auth.organizationId, admin.auth.agentId)
                if (agent === null) throw new Error('no admin')
                return { subject: agent, clientId: 'x', binding: { kind: 'extension', id: 'x' }, scopes: [], claims: { sub: 'someone-else' }, audit: { action: 'token.issued', actor: 'x', details: {} } }
              },
            },
          ],
        },
      ],
    })
    await expect(idp.oauth.token({ params: { grant_type: 'urn:test:forge' } })).rejects.toMatchObject({ code: 'INTERNAL' })
  })

  it('routes token exchange by subject_token_type and unverified issuer: explicit issuers first, then predicates', async () => {
    const seen: string[] = []
    const validator = (name: string, issuers: readonly string[] | ((iss: string) => boolean)) => ({
      tokenTypes: ['urn:ietf:params:oauth:token-type:jwt'],
      issuers,
      clientAuthentication: 'optional' as const,
      async exchange(): Promise<never> {
        seen.push(name)
        throw new IdpError('INVALID_GRANT', name)
      },
    })
    const { idp } = await setup({
      extensions: [{ id: 'router', subjectTokenValidators: [validator('any', () => true), validator('listed', ['https://issuer.example/listed'])] }],
    })
    const jwt = (iss: string) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss })).toString('base64url')}.`
    const exchange = (subject_token: string, subject_token_type = 'urn:ietf:params:oauth:token-type:jwt') =>
      idp.oauth.token({ params: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token, subject_token_type } }).catch((e: unknown) => e)
    await exchange(jwt('https://issuer.example/listed'))
    await exchange(jwt('https://elsewhere.example'))
    // The IdP's own issuer belongs to core's delegation validator, which requires client authentication.
    expect(await exchange(jwt('http://idp.test'))).toMatchObject({ code: 'INVALID_CLIENT' })
    expect(seen).toEqual(['listed', 'any'])
    expect(await exchange('not-a-jwt')).toMatchObject({ code: 'INVALID_GRANT' })
    expect(await exchange(jwt('x'), 'urn:example:unknown')).toMatchObject({ code: 'INVALID_REQUEST' })
    expect(idp.discovery()['token_endpoint_auth_methods_supported']).toContain('none')
  })
})

describe('system and principal contexts', () => {
  it('a system context reads, changes the plan, and cannot write agents or reach another organization', async () => {
    let api: ExtensionApi | undefined
    const { idp, admin } = await setup({ extensions: [{ id: 'plan-keeper', scopes: ['plankeeper:read'], init: (a) => void (api = a) }] })
    await idp.ready()
    if (api === undefined) throw new Error('no api')
    const org = await idp.organizations.create(admin, { name: 'Sys', slug: 'sys' })
    const other = await idp.organizations.create(admin, { name: 'Other', slug: 'other' })
    const ctx = await api.systemContext(org.organizationId, 'external event evt_1: plan paid')
    expect(ctx.auth.scopes).toEqual(['agents:read', 'audit:read', 'plankeeper:read'])
    expect(ctx.auth.isPlatformAdmin).toBe(false)
    expect((await idp.organizations.setPlan(ctx, org.organizationId, 'pro')).planTier).toBe('pro')
    const [event] = (await idp.audit.list({ ...admin, auth: { ...admin.auth, organizationId: org.organizationId } }, { action: 'org.updated' })).items
    expect(event).toMatchObject({ actor: 'system:plan-keeper', details: { changes: { planTier: 'pro', maxAgents: 100 }, reason: 'external event evt_1: plan paid' } })
    await expect(idp.organizations.setPlan(ctx, other.organizationId, 'pro')).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
    await expect(idp.agents.register(ctx, agentInput('nope'))).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
    await expect(idp.delegation.create(ctx, { delegateeAgentId: admin.auth.agentId, scopes: ['agents:read'], ttlSeconds: 60 })).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
    await expect(api.systemContext('no-such-org', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    // An agent of the organization without admin:orgs cannot change the plan either.
    const a = await idp.agents.register(admin, { ...agentInput('a'), organizationId: org.organizationId, scopes: ['agents:read'] })
    const c = await idp.credentials.generate(admin, a.agentId, {})
    await expect(idp.organizations.setPlan(await ctxFor(idp, await tokenFor(idp, c.clientId, c.clientSecret)), org.organizationId, 'enterprise')).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
  })

  it('a principal context is audited as <kind>:<id> and bounded by its scopes', async () => {
    let api: ExtensionApi | undefined
    const { idp, admin } = await setup({ extensions: [{ id: 'door', principalKinds: ['operator'], init: (a) => void (api = a) }] })
    await idp.ready()
    if (api === undefined) throw new Error('no api')
    const org = await idp.organizations.create(admin, { name: 'Ops', slug: 'ops' })
    const ctx = await api.principalContext({ organizationId: org.organizationId, kind: 'operator', id: 'op-1', scopes: ['agents:read', 'agents:write'] })
    const agent = await idp.agents.register(ctx, { ...agentInput('by-operator'), scopes: ['agents:read'] })
    expect(agent.organizationId).toBe(org.organizationId)
    await expect(idp.agents.register(ctx, { ...agentInput('escalate'), scopes: ['audit:read'] })).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
    const [created] = (await idp.audit.list({ ...admin, auth: { ...admin.auth, organizationId: org.organizationId } }, { action: 'agent.created' })).items
    expect(created?.actor).toBe('operator:op-1')
    await expect(api.principalContext({ organizationId: org.organizationId, kind: 'operator', id: 'op-2', scopes: ['admin:orgs'] })).rejects.toMatchObject({ code: 'INVALID_SCOPE' })
    await expect(api.principalContext({ organizationId: org.organizationId, kind: 'robot', id: 'r', scopes: [] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(idp.agentInfo(ctx)).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
  })
})

describe('the audit outbox', () => {
  it('delivers every organization in seq order, at least once across a failing handler, filtered by action', async () => {
    let api: ExtensionApi | undefined
    const { idp, admin } = await setup({ extensions: [{ id: 'seam', storage: seamStorage, init: (a) => void (api = a) }] })
    await idp.ready()
    if (api === undefined) throw new Error('no api')
    const a = api
    const orgs = await Promise.all(['org-one', 'org-two'].map((slug) => idp.organizations.create(admin, { name: slug, slug })))
    for (const org of orgs) for (const n of ['x', 'y']) await idp.agents.register(admin, { ...agentInput(n), organizationId: org.organizationId })
    const delivered: AuditEventOf<'agent.created' | 'org.created'>[] = []
    let failOnce = true
    const consumer = a.audit.consume(
      'seam.collector',
      async (events, tx) => {
        const first = events[0]
        if (first === undefined) return
        await tx.ext('seam').add(first.organizationId, events.length)
        if (failOnce && first.organizationId === orgs[1]?.organizationId) {
          failOnce = false
          throw new Error('crash before commit')
        }
        delivered.push(...events)
      },
      { actions: ['agent.created', 'org.created'], batchSize: 2 },
    )
    await consumer.drain()
    await consumer.drain()
    for (const org of orgs) {
      const mine = delivered.filter((e) => e.organizationId === org.organizationId)
      expect(mine.map((e) => e.action)).toEqual(['org.created', 'agent.created', 'agent.created'])
      expect(mine.map((e) => e.seq)).toEqual([...mine.map((e) => e.seq)].sort((x, y) => x - y))
      // The failed batch was rolled back with its cursor, then delivered again: counted once.
      expect(await a.storage.ext('seam').total(org.organizationId)).toBe(3)
    }
    const created = delivered.find((e) => e.action === 'agent.created' && e.organizationId === orgs[0]?.organizationId)
    if (created?.action === 'agent.created') expect(created.details.name).toMatch(/^[xy]$/)
    // Nothing is delivered twice once committed.
    expect(await consumer.drain()).toBe(0)
    await consumer.stop()
    expect(() => a.audit.consume('other.name', async () => undefined)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
  })

  it('gathers a stream of commits into a few batches instead of one pass per commit, and loses none', async () => {
    let api: ExtensionApi | undefined
    const { idp, admin } = await setup({ extensions: [{ id: 'seam', init: (a) => void (api = a) }] })
    await idp.ready()
    if (api === undefined) throw new Error('no api')
    const org = await idp.organizations.create(admin, { name: 'Stream', slug: 'stream' })
    const batches: number[] = []
    const consumer = api.audit.consume(
      'seam.stream',
      async (events) => {
        const mine = events.filter((e) => e.organizationId === org.organizationId)
        if (mine.length > 0) batches.push(mine.length)
      },
      { actions: ['agent.created'] },
    )
    await consumer.drain()
    // 40 commits spread over ~240 ms, each nudging the consumer: a pass per nudge would be ~40 batches.
    const started = Date.now()
    for (let i = 0; i < 40; i++) {
      await idp.agents.register(admin, { ...agentInput(`s${i}`), organizationId: org.organizationId })
      await new Promise((resolve) => setTimeout(resolve, 6))
    }
    const spanMs = Date.now() - started
    await consumer.drain()
    expect(batches.reduce((a, b) => a + b, 0)).toBe(40)
    // At most one pass per gathering delay over the span, plus the first and the drain.
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(spanMs / NUDGE_DELAY_MS) + 2)
    await consumer.stop()
  })

  it('skips events removed by retention before it read them, and goes on from the first kept one', async () => {
    const { clock, advance } = movableClock()
    let api: ExtensionApi | undefined
    const { idp, admin } = await setup({ clock, extensions: [{ id: 'seam', init: (a) => void (api = a) }] })
    await idp.ready()
    if (api === undefined) throw new Error('no api')
    const org = await idp.organizations.create(admin, { name: 'R', slug: 'retained' })
    await idp.agents.register(admin, { ...agentInput('old'), organizationId: org.organizationId })
    advance(100 * 86_400_000)
    await idp.audit.purgeExpired(90)
    await idp.agents.register(admin, { ...agentInput('new'), organizationId: org.organizationId })
    const seen: [number, string][] = []
    const consumer = api.audit.consume('seam.after-purge', async (events) => {
      for (const e of events) if (e.organizationId === org.organizationId) seen.push([e.seq, e.action])
    })
    await consumer.drain()
    // org.created (seq 1) was purged; the consumer starts at the first kept event.
    expect(seen).toEqual([[2, 'agent.created'], [3, 'audit.purged'], [4, 'agent.created']])
    await consumer.stop()
  })
})

describe('jobs', () => {
  it('run once per tick of the injected clock, from the first boundary after registration, and close waits', async () => {
    const { clock, advance } = movableClock(Date.UTC(2026, 0, 1, 0, 0, 30))
    const { idp } = await setup({ clock })
    const runs: number[] = []
    let release: (() => void) | undefined
    idp.jobs.every('core.test-tick', 60_000, async () => {
      runs.push(clock().getTime())
      await new Promise<void>((resolve) => {
        release = resolve
      })
    })
    expect(await idp.jobs.runDue()).toEqual([])
    advance(30_000)
    const running = idp.jobs.runDue()
    await new Promise((r) => setTimeout(r, 10))
    // While it runs, the same tick is not started again.
    expect(await idp.jobs.runDue()).toEqual([])
    release?.()
    expect(await running).toEqual(['core.test-tick'])
    expect(await idp.jobs.runDue()).toEqual([])
    advance(60_000)
    const second = idp.jobs.runDue()
    await new Promise((r) => setTimeout(r, 10))
    const closing = idp.close()
    release?.()
    await closing
    expect(await second).toEqual(['core.test-tick'])
    expect(runs).toHaveLength(2)
    expect(() => idp.jobs.every('no-prefix', 1000, async () => undefined)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
  })

  it('two runners on one storage: each tick runs on exactly one', async () => {
    const { clock, advance } = movableClock(Date.UTC(2026, 0, 1))
    const storage = createMemoryStorage()
    const ran: string[] = []
    const a = await setup({ clock, storage })
    const b = { idp: (await import('../src/index.js')).createIdp({ issuer: 'http://idp.test', storage, clock }) }
    a.idp.jobs.every('core.shared', 1000, async () => void ran.push('a'))
    b.idp.jobs.every('core.shared', 1000, async () => void ran.push('b'))
    for (let i = 0; i < 5; i++) {
      advance(1000)
      await Promise.all([a.idp.jobs.runDue(), b.idp.jobs.runDue()])
    }
    expect(ran).toHaveLength(5)
  })
})
