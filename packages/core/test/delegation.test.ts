/**
 * Agent-to-agent delegation on memory ports with an injected clock (SPEC §8): delegation tokens,
 * RFC 8693 token exchange with nested `act`, re-delegation bounded by `maxDepth`, cascading
 * revocation, liveness of derived tokens, and every escalation attempt of issue 5.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage, type Idp, type RequestContext, type Storage } from '../src/index.js'
import { agentInput, basic, ctxFor, setup, tokenFor } from './helpers.js'

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT = 'urn:ietf:params:oauth:token-type:jwt'
const AT = 'urn:ietf:params:oauth:token-type:access_token'

interface Member {
  agentId: string
  clientId: string
  clientSecret: string
  token: string
  ctx: RequestContext
}

async function world(storage?: Storage) {
  let now = new Date('2025-06-01T12:00:00.000Z')
  const { idp, admin } = await setup({ clock: () => now, ...(storage === undefined ? {} : { storage }) })
  const org = await idp.organizations.create(admin, { name: 'Acme', slug: 'acme' })
  const other = await idp.organizations.create(admin, { name: 'Other', slug: 'other' })
  const scopes = ['agents:read', 'agents:write', 'delegation:write', 'tokens:read', 'audit:read'] as const
  const member = async (name: string, organizationId = org.organizationId, s: readonly string[] = scopes): Promise<Member> => {
    const a = await idp.agents.register(admin, { ...agentInput(name), organizationId, scopes: [...s] as never })
    const c = await idp.credentials.generate(admin, a.agentId, {})
    const token = await tokenFor(idp, c.clientId, c.clientSecret)
    return { agentId: a.agentId, clientId: c.clientId, clientSecret: c.clientSecret, token, ctx: await ctxFor(idp, token) }
  }
  const [A, B, C, D] = [await member('a'), await member('b'), await member('c'), await member('d')]
  const X = await member('x', other.organizationId)
  return {
    idp,
    admin,
    org,
    A,
    B,
    C,
    D,
    X,
    member,
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000)
    },
  }
}

function exchange(idp: Idp, delegationToken: string, actor: Member, extra: Record<string, string> = {}) {
  return idp.oauth.token({
    params: {
      grant_type: EXCHANGE,
      subject_token: delegationToken,
      subject_token_type: JWT,
      actor_token: actor.token,
      actor_token_type: AT,
      ...extra,
    },
    authorization: basic(actor.clientId, actor.clientSecret),
  })
}

const reject = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code)

describe('delegation (core, memory ports)', () => {
  it('delegates, exchanges into a token with sub = delegator and act = delegatee, and audits both', async () => {
    const { idp, A, B } = await world()
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    expect(d).toMatchObject({ delegatorAgentId: A.agentId, delegateeAgentId: B.agentId, scopes: ['agents:read'], maxDepth: 1, depth: 1, parentChainId: null })
    expect(decodeProtectedHeader(d.delegationToken).typ).toBe('delegation+jwt')
    expect(decodeJwt(d.delegationToken)).toMatchObject({ jti: d.chainId, sub: A.agentId, may_act: { sub: B.agentId }, scope: 'agents:read' })
    // A delegation token is never an access token.
    await expect(idp.authenticate(d.delegationToken)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })

    const res = await exchange(idp, d.delegationToken, B)
    expect(res).toMatchObject({ token_type: 'Bearer', scope: 'agents:read', issued_token_type: AT, expires_in: 600 })
    const claims = decodeJwt(res.access_token)
    expect(claims).toMatchObject({ sub: A.agentId, act: { sub: B.agentId }, client_id: B.clientId, delegation_id: d.chainId })
    const ctx = await ctxFor(idp, res.access_token)
    expect(ctx.auth).toMatchObject({ agentId: A.agentId, scopes: ['agents:read'] })
    expect(await idp.agentInfo(ctx)).toMatchObject({ sub: A.agentId, act: { sub: B.agentId } })
    const intro = await idp.oauth.introspect({ params: { token: res.access_token }, authorization: basic(A.clientId, A.clientSecret) })
    expect(intro).toMatchObject({ active: true, sub: A.agentId, act: { sub: B.agentId }, delegation_id: d.chainId })
    expect(idp.discovery().grant_types_supported).toContain(EXCHANGE)

    const audit = (await idp.audit.list(A.ctx, { limit: 100 })).items
    const created = audit.find((e) => e.action === 'delegation.created')
    expect(created).toMatchObject({ actor: A.agentId, agentId: B.agentId, details: { chainId: d.chainId, chain: [{ chainId: d.chainId }] } })
    const exchanged = audit.find((e) => e.action === 'token.exchanged')
    expect(exchanged).toMatchObject({ actor: B.agentId, details: { chainId: d.chainId, act: { sub: B.agentId }, scope: 'agents:read' } })
  })

  it('a delegation token exchanged again and again (its signature verdict memoised) still dies with its chain, and a tampered copy never passes', async () => {
    const { idp, A, B, advance } = await world()
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    for (let i = 0; i < 3; i++) expect(await exchange(idp, d.delegationToken, B)).toMatchObject({ scope: 'agents:read' })
    const [h, p, sig] = d.delegationToken.split('.') as [string, string, string]
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(d.delegationToken), scope: 'agents:read agents:write' })).toString('base64url')
    expect(await reject(exchange(idp, `${h}.${widened}.${sig}`, B))).toBe('INVALID_GRANT')
    expect(await reject(exchange(idp, `${h}.${p}.${sig.slice(0, -4)}AAAA`, B))).toBe('INVALID_GRANT')
    const second = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 60 })
    expect(await exchange(idp, second.delegationToken, B)).toMatchObject({ scope: 'agents:read' })
    await idp.delegation.revoke(A.ctx, d.chainId)
    expect(await reject(exchange(idp, d.delegationToken, B))).toBe('INVALID_GRANT')
    advance(61)
    expect(await reject(exchange(idp, second.delegationToken, B))).toBe('INVALID_GRANT')
  })

  it('rejects every escalation attempt and leaves no trace of it', async () => {
    const { idp, A, B, C, X, member } = await world()
    const create = (ctx: RequestContext, body: Record<string, unknown>) =>
      reject(idp.delegation.create(ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600, ...body } as never))
    // A scope the delegator lacks (not in its agent, or not in the presented token).
    const narrow = await member('narrow', A.ctx.auth.organizationId, ['agents:read', 'delegation:write'])
    expect(await create(narrow.ctx, { scopes: ['audit:read'] })).toBe('INSUFFICIENT_SCOPE')
    const slim = await ctxFor(idp, await tokenFor(idp, A.clientId, A.clientSecret, 'delegation:write'))
    expect(await create(slim, { scopes: ['agents:read'] })).toBe('INSUFFICIENT_SCOPE')
    // Self-delegation, other organization, unknown agent, no delegation:write.
    expect(await create(A.ctx, { delegateeAgentId: A.agentId })).toBe('VALIDATION_ERROR')
    expect(await create(A.ctx, { delegateeAgentId: X.agentId })).toBe('VALIDATION_ERROR')
    expect(await create(A.ctx, { delegateeAgentId: 'no-such-agent' })).toBe('VALIDATION_ERROR')
    const noWrite = await ctxFor(idp, await tokenFor(idp, A.clientId, A.clientSecret, 'agents:read'))
    expect(await create(noWrite, {})).toBe('INSUFFICIENT_SCOPE')
    expect(await create(A.ctx, { ttlSeconds: 86_401 })).toBe('VALIDATION_ERROR')
    expect((await idp.audit.list(A.ctx, { action: 'delegation.created', limit: 10 })).items).toEqual([])

    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600 })
    // Widening on exchange; someone else's delegation token; someone else's actor token.
    expect(await reject(exchange(idp, d.delegationToken, B, { scope: 'agents:read agents:write' }))).toBe('INVALID_SCOPE')
    expect(await reject(exchange(idp, d.delegationToken, C))).toBe('INVALID_GRANT')
    expect(await reject(exchange(idp, d.delegationToken, { ...B, token: C.token }))).toBe('INVALID_GRANT')
    expect(await reject(exchange(idp, A.token, B))).toBe('INVALID_GRANT')
    expect(await reject(exchange(idp, d.delegationToken, B, { subject_token_type: AT }))).toBe('INVALID_REQUEST')
    // maxDepth 1 (default): the delegatee cannot re-delegate.
    const tok = await exchange(idp, d.delegationToken, B, { scope: 'agents:read delegation:write' })
    const delegated = await ctxFor(idp, tok.access_token)
    expect(await create(delegated, { delegateeAgentId: C.agentId })).toBe('INVALID_REQUEST')
    const created = (await idp.audit.list(A.ctx, { action: 'delegation.created', limit: 10 })).items
    expect(created.map((e) => e.details['chainId'])).toEqual([d.chainId])
    expect((await idp.audit.list(A.ctx, { action: 'token.exchanged', limit: 10 })).items).toHaveLength(1)
  })

  it('re-delegation: only within maxDepth, scopes ⊆ parent, expiry ≤ parent, no cycles', async () => {
    const { idp, A, B, C } = await world()
    const d1 = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600, maxDepth: 2 })
    const asB = await ctxFor(idp, (await exchange(idp, d1.delegationToken, B)).access_token)
    const body = { delegateeAgentId: C.agentId, scopes: ['agents:read'] as ['agents:read'], ttlSeconds: 300 }
    expect(await reject(idp.delegation.create(asB, { ...body, scopes: ['agents:write'] }))).toBe('INSUFFICIENT_SCOPE')
    expect(await reject(idp.delegation.create(asB, { ...body, ttlSeconds: 601 }))).toBe('VALIDATION_ERROR')
    expect(await reject(idp.delegation.create(asB, { ...body, maxDepth: 3 }))).toBe('VALIDATION_ERROR')
    expect(await reject(idp.delegation.create(asB, { ...body, delegateeAgentId: A.agentId }))).toBe('VALIDATION_ERROR')
    const d2 = await idp.delegation.create(asB, body)
    expect(d2).toMatchObject({ delegatorAgentId: B.agentId, delegateeAgentId: C.agentId, depth: 2, maxDepth: 2, parentChainId: d1.chainId })
    const asC = await exchange(idp, d2.delegationToken, C)
    expect(decodeJwt(asC.access_token)).toMatchObject({ sub: A.agentId, act: { sub: C.agentId, act: { sub: B.agentId } }, scope: 'agents:read' })
    expect(asC.expires_in).toBe(300)
  })

  it('expired delegations verify as { valid: false } and cannot be exchanged', async () => {
    const { idp, A, B, advance } = await world()
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 120 })
    expect(await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: true, chainId: d.chainId, revokedAt: null })
    const tok = await exchange(idp, d.delegationToken, B)
    advance(121)
    const verdict = await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })
    expect(verdict).toMatchObject({ valid: false, reason: 'expired', chainId: d.chainId, delegatorAgentId: A.agentId, expiresAt: d.expiresAt })
    await expect(idp.authenticate(tok.access_token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    // Fresh actor tokens: the old ones expired with the clock too.
    const fresh = { ...B, token: await tokenFor(idp, B.clientId, B.clientSecret) }
    expect(await reject(exchange(idp, d.delegationToken, fresh))).toBe('INVALID_GRANT')
    expect(await idp.delegation.verify(await ctxFor(idp, fresh.token), { delegationToken: 'garbage' })).toEqual({ valid: false, reason: 'invalid' })
  })

  it('a three-hop chain revoked at the middle link kills the tail and its tokens but not the head', async () => {
    const { idp, A, B, C, D, X } = await world()
    const d1 = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 900, maxDepth: 3 })
    const t1 = (await exchange(idp, d1.delegationToken, B)).access_token
    const d2 = await idp.delegation.create(await ctxFor(idp, t1), { delegateeAgentId: C.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600 })
    const t2 = (await exchange(idp, d2.delegationToken, C)).access_token
    const d3 = await idp.delegation.create(await ctxFor(idp, t2), { delegateeAgentId: D.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 300 })
    const t3 = (await exchange(idp, d3.delegationToken, D)).access_token
    expect(decodeJwt(t3)).toMatchObject({ sub: A.agentId, act: { sub: D.agentId, act: { sub: C.agentId, act: { sub: B.agentId } } } })
    // A fourth hop would exceed maxDepth 3.
    expect(await reject(idp.delegation.create(await ctxFor(idp, t3), { delegateeAgentId: X.agentId, scopes: ['agents:read'], ttlSeconds: 60 }))).toBe('INVALID_REQUEST')

    // Other organizations see nothing; a same-org bystander without agents:write may not revoke.
    expect(await reject(idp.delegation.revoke(X.ctx, d2.chainId))).toBe('NOT_FOUND')
    const bystander = await ctxFor(idp, await tokenFor(idp, D.clientId, D.clientSecret, 'agents:read'))
    expect(await reject(idp.delegation.revoke(bystander, d2.chainId))).toBe('INSUFFICIENT_SCOPE')

    await idp.delegation.revoke(await ctxFor(idp, await tokenFor(idp, B.clientId, B.clientSecret, 'agents:read')), d2.chainId)
    await expect(idp.authenticate(t2)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    await expect(idp.authenticate(t3)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    expect((await idp.authenticate(t1)).agentId).toBe(A.agentId)
    const v = (token: string) => idp.delegation.verify(A.ctx, { delegationToken: token })
    expect(await v(d1.delegationToken)).toMatchObject({ valid: true })
    expect(await v(d2.delegationToken)).toMatchObject({ valid: false, reason: 'revoked' })
    expect(await v(d3.delegationToken)).toMatchObject({ valid: false, reason: 'revoked' })
    // Replaying the revoked chain fails; revoking again is a no-op.
    expect(await reject(exchange(idp, d3.delegationToken, D))).toBe('INVALID_GRANT')
    await idp.delegation.revoke(A.ctx, d2.chainId)
    const revokedEvents = (await idp.audit.list(A.ctx, { action: 'delegation.revoked', limit: 10 })).items
    expect(revokedEvents).toHaveLength(1)
    expect(revokedEvents[0]?.details).toMatchObject({ chainId: d2.chainId, revokedChainIds: [d2.chainId, d3.chainId] })
  })

  it('the delegatee can revoke its exchanged token (RFC 7009) without agents:write', async () => {
    const { idp, A, member } = await world()
    const reader = await member('reader', A.ctx.auth.organizationId, ['agents:read'])
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: reader.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    const tok = (await exchange(idp, d.delegationToken, reader)).access_token
    expect((await idp.authenticate(tok)).claims.act).toEqual({ sub: reader.agentId })
    await idp.oauth.revoke({ params: { token: tok }, authorization: basic(reader.clientId, reader.clientSecret) })
    await expect(idp.authenticate(tok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    // The delegation itself is untouched: a new exchange works.
    expect((await exchange(idp, d.delegationToken, reader)).scope).toBe('agents:read')
  })

  it('suspending or decommissioning the delegator or delegatee invalidates derived tokens', async () => {
    const { idp, admin, A, B } = await world()
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    const tok = (await exchange(idp, d.delegationToken, B)).access_token
    await idp.agents.update(admin, B.agentId, { status: 'suspended' })
    await expect(idp.authenticate(tok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    expect(await idp.delegation.verify(A.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: false, reason: 'inactive' })
    await idp.agents.update(admin, B.agentId, { status: 'active' })
    expect((await idp.authenticate(tok)).agentId).toBe(A.agentId)
    await idp.agents.decommission(admin, A.agentId)
    await expect(idp.authenticate(tok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
  })
})

/**
 * Memory storage whose plain (non-transactional) `delegations.lineage` reads are counted and can be
 * held after reading, to interleave a change between a read and its use. Transactions (revocation,
 * creation) use the inner storage's own repositories and are never held.
 */
function gatedStorage() {
  const inner = createMemoryStorage()
  const gate = { reads: 0, hold: undefined as Promise<void> | undefined, onHeld: undefined as (() => void) | undefined }
  const storage: Storage = {
    ...inner,
    delegations: {
      ...inner.delegations,
      lineage: async (...args) => {
        gate.reads++
        const lineage = await inner.delegations.lineage(...args)
        const hold = gate.hold
        if (hold !== undefined) {
          gate.hold = undefined
          gate.onHeld?.()
          await hold
        }
        return lineage
      },
    },
  }
  return { storage, gate }
}

describe('delegation chains in the liveness memo', () => {
  const setupChain = async () => {
    const { storage, gate } = gatedStorage()
    const w = await world(storage)
    const d = await w.idp.delegation.create(w.A.ctx, { delegateeAgentId: w.B.agentId, scopes: ['agents:read', 'delegation:write'], ttlSeconds: 600, maxDepth: 2 })
    const tok = (await exchange(w.idp, d.delegationToken, w.B)).access_token
    return { ...w, gate, d, tok }
  }

  it('a burst of exchanges and calls with the delegated token reads the chain once; re-delegation reads it fresh', async () => {
    const { idp, B, C, gate, d, tok } = await setupChain()
    const before = gate.reads
    for (let i = 0; i < 5; i++) {
      await exchange(idp, d.delegationToken, B)
      await idp.authenticate(tok)
      await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })
    }
    expect(gate.reads).toBe(before)
    // A write (re-delegation) never trusts the memo.
    await idp.delegation.create(await ctxFor(idp, tok), { delegateeAgentId: C.agentId, scopes: ['agents:read'], ttlSeconds: 60 })
    expect(gate.reads).toBe(before + 1)
  })

  it('revoking a memoised chain rejects the next exchange and its delegated token at once', async () => {
    const { idp, A, B, d, tok } = await setupChain()
    expect((await idp.authenticate(tok)).agentId).toBe(A.agentId)
    await idp.delegation.revoke(A.ctx, d.chainId)
    expect(await reject(exchange(idp, d.delegationToken, B))).toBe('INVALID_GRANT')
    await expect(idp.authenticate(tok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    expect(await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: false, reason: 'revoked' })
  })

  it('revoking the parent of a memoised link (cascade) rejects the child chain at once', async () => {
    const { idp, A, C, d, tok } = await setupChain()
    const child = await idp.delegation.create(await ctxFor(idp, tok), { delegateeAgentId: C.agentId, scopes: ['agents:read'], ttlSeconds: 300 })
    const childTok = (await exchange(idp, child.delegationToken, C)).access_token
    await exchange(idp, child.delegationToken, C) // served from the memo
    expect((await idp.authenticate(childTok)).claims.act).toEqual({ sub: C.agentId, act: { sub: d.delegateeAgentId } })
    await idp.delegation.revoke(A.ctx, d.chainId)
    expect(await reject(exchange(idp, child.delegationToken, C))).toBe('INVALID_GRANT')
    await expect(idp.authenticate(childTok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    expect(await idp.delegation.verify(C.ctx, { delegationToken: child.delegationToken })).toMatchObject({ valid: false, reason: 'revoked' })
  })

  it('suspending the delegatee of a memoised chain rejects it at once', async () => {
    const { idp, admin, A, B, d, tok } = await setupChain()
    await idp.agents.update(admin, B.agentId, { status: 'suspended' })
    expect(await reject(exchange(idp, d.delegationToken, B))).not.toBe('resolved')
    await expect(idp.authenticate(tok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    expect(await idp.delegation.verify(A.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: false, reason: 'inactive' })
  })

  it('suspending the organization of a memoised chain rejects it at once', async () => {
    const { idp, admin, org, A, B, d, tok } = await setupChain()
    await idp.organizations.update(admin, org.organizationId, { status: 'suspended' })
    expect(await reject(exchange(idp, d.delegationToken, B))).not.toBe('resolved')
    await expect(idp.authenticate(tok)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    expect(await idp.delegation.verify(A.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: false, reason: 'inactive' })
  })

  it('a root delegator losing a scope narrows the next exchange at once', async () => {
    const { idp, admin, A, B, d } = await setupChain()
    expect((await exchange(idp, d.delegationToken, B, { scope: 'delegation:write' })).scope).toBe('delegation:write')
    await idp.agents.update(admin, A.agentId, { scopes: ['agents:read'] })
    expect(await reject(exchange(idp, d.delegationToken, B, { scope: 'delegation:write' }))).toBe('INVALID_SCOPE')
  })

  it('a memoised chain still stops at its expiry', async () => {
    const { storage, gate } = gatedStorage()
    const { idp, A, B, advance } = await world(storage)
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 120 })
    advance(119.8)
    const actor = { ...B, token: await tokenFor(idp, B.clientId, B.clientSecret) }
    expect((await exchange(idp, d.delegationToken, actor)).scope).toBe('agents:read')
    const reads = gate.reads
    expect(await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: true })
    expect(gate.reads).toBe(reads) // served from the memo
    // 300 ms later, well within the memo's TTL, but past the chain's expiresAt.
    advance(0.3)
    expect(await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: false, reason: 'expired' })
    expect(await reject(exchange(idp, d.delegationToken, actor))).toBe('INVALID_GRANT')
    expect(gate.reads).toBe(reads)
  })

  it('a chain read that started before a revocation cannot re-populate the memo', async () => {
    const { storage, gate } = gatedStorage()
    const { idp, A, B } = await world(storage)
    const d = await idp.delegation.create(A.ctx, { delegateeAgentId: B.agentId, scopes: ['agents:read'], ttlSeconds: 600 })
    let release = () => {}
    gate.hold = new Promise<void>((resolve) => (release = resolve))
    const held = new Promise<void>((resolve) => (gate.onHeld = resolve))
    // The read finds the chain live, then waits while the revocation commits and is announced.
    const stale = idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })
    await held
    await idp.delegation.revoke(A.ctx, d.chainId)
    release()
    expect(await stale).toMatchObject({ valid: true })
    expect(await idp.delegation.verify(B.ctx, { delegationToken: d.delegationToken })).toMatchObject({ valid: false, reason: 'revoked' })
    expect(await reject(exchange(idp, d.delegationToken, B))).toBe('INVALID_GRANT')
  })
})
