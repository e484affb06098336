/**
 * Operator management (SPEC §12): invitations, operators, passkeys. Every state change and its
 * audit event commit in one transaction; every read and write is scoped by the caller's
 * organization (another organization's ids answer 404, like ids that do not exist) — except for
 * platform administrators (`admin:orgs`), who address any organization as in the rest of the REST
 * API: `organizationId` in the body or query of collection routes, any id on item routes. The
 * authority rule bounds every role the caller grants, changes or removes, in every organization.
 *
 * @module
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { IdpError, type ExtensionApi, type RequestContext, type StorageTx } from '@sentryagent/core'
import { consoleError } from './errors.js'
import type { ConsoleRepository, Invitation, Operator, OperatorRole, Passkey } from './model.js'
import { mayManageRole, roleScopes, type Manager } from './roles.js'

declare module '@sentryagent/core' {
  interface AuditDetails {
    'console.invitation_created': { invitationId: string; email: string; role: OperatorRole; kind: 'invite' | 'setup'; expiresAt: string }
    'console.invitation_revoked': { invitationId: string }
    'console.operator_joined': { operatorId: string; email: string; role: OperatorRole; invitationId: string }
    'console.operator_updated': { operatorId: string; changes: Record<string, string> }
    'console.operator_removed': { operatorId: string; email: string }
    'console.passkey_added': { operatorId: string; passkeyId: string; name: string }
    'console.passkey_removed': { operatorId: string; passkeyId: string }
    'console.signed_in': { operatorId: string; passkeyId: string }
    'console.sign_in_failed': { operatorId: string; reason: string }
    'console.signed_out': { operatorId: string; everywhere: boolean; sessions: number }
  }
}

export const CONSOLE_AUDIT_ACTIONS = [
  'console.invitation_created',
  'console.invitation_revoked',
  'console.operator_joined',
  'console.operator_updated',
  'console.operator_removed',
  'console.passkey_added',
  'console.passkey_removed',
  'console.signed_in',
  'console.sign_in_failed',
  'console.signed_out',
] as const

/** SHA-256, base64url: how invitation tokens and session ids are stored. */
export const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url')

/** A 256-bit random secret, base64url. */
export const newSecret = (): string => randomBytes(32).toString('base64url')

/** Rolls back a setup link that is not needed (an owner registered meanwhile). */
class SetupNotNeeded extends Error {}

export const operatorNotFound = () => new IdpError('NOT_FOUND', 'Operator not found')

/** What the API shows of an operator. */
export interface OperatorView {
  operatorId: string
  organizationId: string
  email: string
  displayName: string
  role: OperatorRole
  status: Operator['status']
  scopes: string[]
  createdAt: string
  updatedAt: string
}

export interface PasskeyView {
  passkeyId: string
  name: string
  deviceType: Passkey['deviceType']
  backedUp: boolean
  createdAt: string
  lastUsedAt: string | null
}

export interface InvitationView {
  invitationId: string
  organizationId: string
  email: string
  role: OperatorRole
  createdBy: string
  createdAt: string
  expiresAt: string
  expired: boolean
}

export const passkeyView = (p: Passkey): PasskeyView => ({
  passkeyId: p.passkeyId,
  name: p.name,
  deviceType: p.deviceType,
  backedUp: p.backedUp,
  createdAt: p.createdAt.toISOString(),
  lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
})

export interface OperatorServiceOptions {
  /** The console's origin (links are built on it). */
  origin: string
  invitationTtlSeconds: number
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/

/** The operator service; `api` comes from the extension's `init()`. */
export function createOperatorService(api: ExtensionApi, opts: OperatorServiceOptions) {
  const repo = () => api.storage.ext('console')

  async function isPlatform(organizationId: string): Promise<boolean> {
    return (await api.storage.organizations.find(organizationId))?.slug === 'platform'
  }

  async function scopesOf(organizationId: string, role: OperatorRole): Promise<string[]> {
    return roleScopes(role, api.idp.registry.scopes, await isPlatform(organizationId))
  }

  async function view(op: Operator): Promise<OperatorView> {
    return {
      operatorId: op.operatorId,
      organizationId: op.organizationId,
      email: op.email,
      displayName: op.displayName,
      role: op.role,
      status: op.status,
      scopes: await scopesOf(op.organizationId, op.role),
      createdAt: op.createdAt.toISOString(),
      updatedAt: op.updatedAt.toISOString(),
    }
  }

  const invitationView = (i: Invitation): InvitationView => ({
    invitationId: i.invitationId,
    organizationId: i.organizationId,
    email: i.email,
    role: i.role,
    createdBy: i.createdBy,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    expired: i.expiresAt <= api.clock(),
  })

  /** The caller as a manager: its role when it is one of this organization's operators. */
  async function manager(ctx: RequestContext): Promise<Manager> {
    const p = ctx.auth.principal
    if (p !== undefined && p.kind === 'operator' && 'id' in p) {
      const self = await repo().findOperator(ctx.auth.organizationId, p.id)
      if (self === null || self.status !== 'active') throw new IdpError('INVALID_TOKEN', 'The operator no longer exists')
      return { ctx, role: self.role }
    }
    return { ctx, role: undefined }
  }

  const selfId = (ctx: RequestContext): string | undefined => {
    const p = ctx.auth.principal
    return p !== undefined && p.kind === 'operator' && 'id' in p ? p.id : undefined
  }

  async function assertMayManage(m: Manager, organizationId: string, role: OperatorRole): Promise<void> {
    if (!mayManageRole(m, role, await scopesOf(organizationId, role))) {
      throw new IdpError('INSUFFICIENT_SCOPE', `The caller cannot manage operators with the role ${role}`)
    }
  }

  const actor = (ctx: RequestContext) => ctx.auth.agentId

  /**
   * The organization a request addresses (`organizationId` in the body or query): the caller's own
   * by default; another one only for platform administrators (`admin:orgs`). For anyone else, and
   * for an organization that does not exist, it is 404 — as for every id of another organization.
   */
  async function addressed(ctx: RequestContext, organizationId: string | undefined): Promise<string> {
    if (organizationId === undefined || organizationId === ctx.auth.organizationId) return ctx.auth.organizationId
    if (!ctx.auth.isPlatformAdmin || (await api.storage.organizations.find(organizationId)) === null) {
      throw new IdpError('NOT_FOUND', 'Organization not found')
    }
    return organizationId
  }

  /**
   * The operator `operatorId` as the caller may address it: in the caller's organization, or in
   * any organization for a platform administrator (operator ids are globally unique, like agent ids).
   * @throws {IdpError} NOT_FOUND
   */
  async function load(ctx: RequestContext, operatorId: string): Promise<Operator> {
    const orgId = ctx.auth.isPlatformAdmin ? ((await repo().organizationOfOperator(operatorId)) ?? ctx.auth.organizationId) : ctx.auth.organizationId
    const op = await repo().findOperator(orgId, operatorId)
    if (op === null) throw operatorNotFound()
    return op
  }

  /** The link an invitee opens: the token is in the fragment, never sent to a server log or a Referer. */
  const linkFor = (token: string) => `${opts.origin}/console/#/invite/${token}`

  /** Inserts the invitation with its audit event; `undefined` when a setup link is pending already. */
  async function createInvitation(
    tx: StorageTx,
    input: { organizationId: string; email: string; role: OperatorRole; kind: 'invite' | 'setup'; createdBy: string },
  ): Promise<{ invitation: Invitation; link: string } | undefined> {
    const token = newSecret()
    const now = api.clock()
    const invitation: Invitation = {
      invitationId: `inv_${randomUUID()}`,
      organizationId: input.organizationId,
      email: input.email,
      role: input.role,
      kind: input.kind,
      tokenHash: digest(token),
      createdBy: input.createdBy,
      createdAt: now,
      expiresAt: new Date(now.getTime() + opts.invitationTtlSeconds * 1000),
      acceptedAt: null,
    }
    if (input.kind === 'setup') {
      if (!(await tx.ext('console').insertSetupInvitation(invitation, now))) return undefined
    } else {
      await tx.ext('console').insertInvitation(invitation)
    }
    await api.audit.record(tx, {
      organizationId: input.organizationId,
      action: 'console.invitation_created',
      actor: input.createdBy,
      details: { invitationId: invitation.invitationId, email: invitation.email, role: invitation.role, kind: invitation.kind, expiresAt: invitation.expiresAt.toISOString() },
    })
    return { invitation, link: linkFor(token) }
  }

  /**
   * Refuses a setup link once the platform organization has an active owner: the setup link
   * creates the first owner, never another one. Inside the registration's transaction, pass its
   * repository.
   */
  async function assertSetupOpen(r: ConsoleRepository, invitation: Invitation): Promise<void> {
    if (invitation.kind === 'setup' && (await r.countActiveOwners(invitation.organizationId)) > 0) {
      throw consoleError('CONSOLE_INVITATION_INVALID', 'This invitation link is invalid, used or expired')
    }
  }

  function normalizeEmail(email: string): string {
    const e = email.trim().toLowerCase()
    if (!EMAIL.test(e)) throw new IdpError('VALIDATION_ERROR', 'Invalid email', { errors: [{ field: '/email', message: 'must be an email address' }] })
    return e
  }

  return {
    scopesOf,
    view,
    manager,
    linkFor,

    /** `POST /operators/invitations`. */
    async invite(ctx: RequestContext, body: { email: string; role: OperatorRole; organizationId?: string | undefined }) {
      const organizationId = await addressed(ctx, body.organizationId)
      const email = normalizeEmail(body.email)
      const m = await manager(ctx)
      await assertMayManage(m, organizationId, body.role)
      return api.transaction(async (tx) => {
        if ((await tx.ext('console').findOperatorByEmail(organizationId, email)) !== null) {
          throw consoleError('CONSOLE_OPERATOR_EXISTS', 'An operator with this email exists in the organization')
        }
        const created = await createInvitation(tx, { organizationId, email, role: body.role, kind: 'invite', createdBy: actor(ctx) })
        if (created === undefined) throw new IdpError('INTERNAL', 'The invitation was not created')
        return { ...invitationView(created.invitation), link: created.link }
      })
    },

    /** `GET /operators/invitations?organizationId=`: pending invitations. */
    async listInvitations(ctx: RequestContext, query: { organizationId?: string | undefined } = {}) {
      return (await repo().listInvitations(await addressed(ctx, query.organizationId))).map(invitationView)
    },

    async revokeInvitation(ctx: RequestContext, invitationId: string) {
      const m = await manager(ctx)
      const orgId = ctx.auth.isPlatformAdmin ? ((await repo().organizationOfInvitation(invitationId)) ?? ctx.auth.organizationId) : ctx.auth.organizationId
      const pending = (await repo().listInvitations(orgId)).find((i) => i.invitationId === invitationId)
      if (pending === undefined) throw new IdpError('NOT_FOUND', 'Invitation not found')
      await assertMayManage(m, pending.organizationId, pending.role)
      await api.transaction(async (tx) => {
        if (!(await tx.ext('console').deleteInvitation(orgId, invitationId))) throw new IdpError('NOT_FOUND', 'Invitation not found')
        await api.audit.record(tx, { organizationId: orgId, action: 'console.invitation_revoked', actor: actor(ctx), details: { invitationId } })
      })
    },

    /** `GET /operators?organizationId=`. */
    async list(ctx: RequestContext, query: { organizationId?: string | undefined } = {}) {
      return Promise.all((await repo().listOperators(await addressed(ctx, query.organizationId))).map(view))
    },

    async get(ctx: RequestContext, operatorId: string) {
      return view(await load(ctx, operatorId))
    },

    /** `PATCH /operators/{id}`: display name, role, status. */
    async update(ctx: RequestContext, operatorId: string, patch: { displayName?: string | undefined; role?: OperatorRole | undefined; status?: Operator['status'] | undefined }) {
      const m = await manager(ctx)
      const current = await load(ctx, operatorId)
      const orgId = current.organizationId
      const self = selfId(ctx) === operatorId
      const onlyName = patch.role === undefined && patch.status === undefined
      // Anyone may rename themselves; everything else needs authority over the old and the new role.
      if (!(self && onlyName)) {
        if (self) throw new IdpError('INSUFFICIENT_SCOPE', 'Operators cannot change their own role or status')
        await assertMayManage(m, orgId, current.role)
        if (patch.role !== undefined) await assertMayManage(m, orgId, patch.role)
      }
      const next: Operator = await api.transaction(async (tx) => {
        const next: Operator = {
          ...current,
          displayName: patch.displayName ?? current.displayName,
          role: patch.role ?? current.role,
          status: patch.status ?? current.status,
          updatedAt: api.clock(),
        }
        const changes: Record<string, string> = {}
        if (next.displayName !== current.displayName) changes['displayName'] = next.displayName
        if (next.role !== current.role) changes['role'] = next.role
        if (next.status !== current.status) changes['status'] = next.status
        const repoTx = tx.ext('console')
        await repoTx.updateOperator(next)
        if (current.role === 'owner' && current.status === 'active' && (next.role !== 'owner' || next.status !== 'active')) {
          if ((await repoTx.countActiveOwners(orgId)) < 1) throw consoleError('CONSOLE_LAST_OWNER', 'The last active owner cannot be demoted or disabled')
        }
        // A role or status change ends the operator's sessions: its next request sees the new role.
        if (changes['role'] !== undefined || changes['status'] !== undefined) await repoTx.deleteSessionsOf(orgId, operatorId)
        await api.audit.record(tx, { organizationId: orgId, action: 'console.operator_updated', actor: actor(ctx), details: { operatorId, changes } })
        return next
      })
      // After the commit: the view reads the organization, which on PGlite (one connection) would
      // wait forever for the open transaction.
      return view(next)
    },

    async remove(ctx: RequestContext, operatorId: string) {
      const m = await manager(ctx)
      const current = await load(ctx, operatorId)
      const orgId = current.organizationId
      if (selfId(ctx) !== operatorId) await assertMayManage(m, orgId, current.role)
      await api.transaction(async (tx) => {
        const repoTx = tx.ext('console')
        await repoTx.deleteOperator(orgId, operatorId)
        if (current.role === 'owner' && current.status === 'active' && (await repoTx.countActiveOwners(orgId)) < 1) {
          throw consoleError('CONSOLE_LAST_OWNER', 'The last active owner cannot be removed')
        }
        await api.audit.record(tx, { organizationId: orgId, action: 'console.operator_removed', actor: actor(ctx), details: { operatorId, email: current.email } })
      })
    },

    /** Passkeys of an operator: the operator itself, or a caller with authority over its role. */
    async passkeys(ctx: RequestContext, operatorId: string) {
      // The scope first: a caller without it learns nothing about which ids exist.
      if (selfId(ctx) !== operatorId) api.idp.requireScope(ctx, 'operators:read')
      const op = await load(ctx, operatorId)
      return (await repo().listPasskeys(op.organizationId, operatorId)).map(passkeyView)
    },

    async removePasskey(ctx: RequestContext, operatorId: string, passkeyId: string) {
      const self = selfId(ctx) === operatorId
      if (!self) api.idp.requireScope(ctx, 'operators:write')
      const op = await load(ctx, operatorId)
      const orgId = op.organizationId
      if (!self) await assertMayManage(await manager(ctx), orgId, op.role)
      await api.transaction(async (tx) => {
        const repoTx = tx.ext('console')
        if (!(await repoTx.deletePasskey(orgId, operatorId, passkeyId))) throw new IdpError('NOT_FOUND', 'Passkey not found')
        // Removing the last passkey would lock the operator out for good: remove the operator instead.
        if ((await repoTx.listPasskeys(orgId, operatorId)).length === 0) throw consoleError('CONSOLE_LAST_PASSKEY', 'Add another passkey before removing this one')
        await api.audit.record(tx, { organizationId: orgId, action: 'console.passkey_removed', actor: actor(ctx), details: { operatorId, passkeyId } })
      })
    },

    /**
     * At start: when the platform organization has no active operator and no pending setup link,
     * creates a one-time setup link for its owner and returns it (else `undefined`). Safe when
     * several processes start at once on one database: storage lets one of them insert the setup
     * invitation (the others return `undefined` and print nothing — the link's token is stored as a
     * digest, so no other process can show it), and a link created while the owner was registering
     * is rolled back.
     */
    async ensureSetupLink(): Promise<string | undefined> {
      const platform = await api.storage.organizations.findBySlug('platform')
      if (platform === null) return undefined
      const orgId = platform.organizationId
      if ((await repo().countActiveOperators(orgId)) > 0) return undefined
      try {
        return await api.transaction(async (tx) => {
          const created = await createInvitation(tx, { organizationId: orgId, email: 'owner@platform.invalid', role: 'owner', kind: 'setup', createdBy: 'system:console' })
          if (created === undefined) return undefined
          // Read after the insert (which waited for any concurrent registration holding the previous
          // link): an owner that exists now makes this link useless — roll it back.
          if ((await tx.ext('console').countActiveOperators(orgId)) > 0) throw new SetupNotNeeded()
          return created.link
        })
      } catch (err) {
        if (err instanceof SetupNotNeeded) return undefined
        throw err
      }
    },

    assertSetupOpen,

    /** The pending invitation a link's token names, or a refusal (unknown, used or expired). */
    async invitationFor(token: string): Promise<Invitation> {
      const inv = typeof token === 'string' && token.length > 0 && token.length <= 128 ? await repo().findInvitationByTokenHash(digest(token)) : null
      if (inv === null || inv.acceptedAt !== null || inv.expiresAt <= api.clock()) {
        throw consoleError('CONSOLE_INVITATION_INVALID', 'This invitation link is invalid, used or expired')
      }
      await assertSetupOpen(repo(), inv)
      return inv
    },
  }
}

export type OperatorService = ReturnType<typeof createOperatorService>
