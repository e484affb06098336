/**
 * Operators (SPEC §12): the humans of an organization, their passkeys, invitations and console
 * sessions. Secrets (invitation tokens, session ids) are stored as SHA-256 digests only.
 *
 * @module
 */

/** Roles, from most to least powerful. */
export const OPERATOR_ROLES = ['owner', 'admin', 'member', 'viewer'] as const
export type OperatorRole = (typeof OPERATOR_ROLES)[number]

export type OperatorStatus = 'active' | 'disabled'

export interface Operator {
  operatorId: string
  organizationId: string
  /** Lower-cased; unique among the operators of an organization. */
  email: string
  displayName: string
  role: OperatorRole
  status: OperatorStatus
  /** WebAuthn user handle (base64url, random): names the operator to authenticators, never its email. */
  userHandle: string
  createdAt: Date
  updatedAt: Date
}

/** A WebAuthn credential of an operator. */
export interface Passkey {
  passkeyId: string
  organizationId: string
  operatorId: string
  /** base64url credential id (unique). */
  credentialId: string
  /** base64url COSE public key. */
  publicKey: string
  /** Signature counter (0 for authenticators that keep none). */
  counter: number
  transports: string[]
  deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  name: string
  createdAt: Date
  lastUsedAt: Date | null
}

/** A one-time link to register a first passkey as a new operator (`setup` = the platform owner). */
export interface Invitation {
  invitationId: string
  organizationId: string
  email: string
  role: OperatorRole
  kind: 'invite' | 'setup'
  /** SHA-256 (base64url) of the token in the link. */
  tokenHash: string
  createdBy: string
  createdAt: Date
  expiresAt: Date
  acceptedAt: Date | null
}

/** A console session; the cookie holds the id, storage its SHA-256 digest. */
export interface Session {
  sessionHash: string
  organizationId: string
  operatorId: string
  createdAt: Date
  lastSeenAt: Date
  /** Absolute expiry (created + 12 h). */
  expiresAt: Date
}

/** The console's tables, inside core's transactions (`tx.ext('console')`). Every query names the organization, except lookups by a secret or globally unique id. */
export interface ConsoleRepository {
  insertOperator(operator: Operator): Promise<void>
  findOperator(organizationId: string, operatorId: string): Promise<Operator | null>
  /**
   * The organization of `operatorId` (a globally unique id), or `null`. Unscoped: the service calls
   * it only for platform administrators (`admin:orgs`), who address every organization's operators.
   */
  organizationOfOperator(operatorId: string): Promise<string | null>
  findOperatorByEmail(organizationId: string, email: string): Promise<Operator | null>
  /** Ordered by (createdAt, operatorId). */
  listOperators(organizationId: string): Promise<Operator[]>
  /** Replaces the mutable fields (displayName, role, status, updatedAt). */
  updateOperator(operator: Operator): Promise<void>
  /** Removes the operator with its passkeys and sessions; `false` when absent. */
  deleteOperator(organizationId: string, operatorId: string): Promise<boolean>
  countActiveOwners(organizationId: string): Promise<number>
  /** Active operators of the organization. */
  countActiveOperators(organizationId: string): Promise<number>

  insertPasskey(passkey: Passkey): Promise<void>
  /** By credential id, across organizations (sign-in with a discoverable credential). */
  findPasskeyByCredentialId(credentialId: string): Promise<Passkey | null>
  listPasskeys(organizationId: string, operatorId: string): Promise<Passkey[]>
  /** Records a successful assertion. */
  recordPasskeyUse(credentialId: string, counter: number, backedUp: boolean, at: Date): Promise<void>
  deletePasskey(organizationId: string, operatorId: string, passkeyId: string): Promise<boolean>

  insertInvitation(invitation: Invitation): Promise<void>
  /**
   * Inserts a setup invitation unless its organization has a pending, unexpired one (pending
   * expired ones are removed first). Atomic across processes: of two concurrent calls, one inserts
   * and the other returns `false` — at most one setup link is ever valid.
   */
  insertSetupInvitation(invitation: Invitation, now: Date): Promise<boolean>
  /** The organization of a pending invitation (a globally unique id), or `null`; for platform administrators only. */
  organizationOfInvitation(invitationId: string): Promise<string | null>
  findInvitationByTokenHash(tokenHash: string): Promise<Invitation | null>
  /** Pending (not accepted) invitations, newest first. */
  listInvitations(organizationId: string): Promise<Invitation[]>
  /** Marks it accepted; `false` when it was accepted already (single use). */
  acceptInvitation(invitationId: string, at: Date): Promise<boolean>
  deleteInvitation(organizationId: string, invitationId: string): Promise<boolean>
  /** Pending, unexpired setup invitations of an organization. */
  countPendingSetup(organizationId: string, now: Date): Promise<number>

  insertSession(session: Session): Promise<void>
  findSession(sessionHash: string): Promise<Session | null>
  touchSession(sessionHash: string, at: Date): Promise<void>
  deleteSession(sessionHash: string): Promise<boolean>
  /** Removes sessions past their absolute expiry, or idle since `idleBefore`; returns how many. */
  deleteExpiredSessions(now: Date, idleBefore: Date): Promise<number>
  /** Sign out everywhere; returns how many sessions ended. */
  deleteSessionsOf(organizationId: string, operatorId: string): Promise<number>
}
