/**
 * Passkeys and sessions: the WebAuthn ceremonies (`@simplewebauthn/server`, user verification
 * required, challenges single-use and short-lived in the ephemeral store), and console sessions
 * (an opaque id in an httpOnly cookie, stored as a digest; CSRF token bound to the session; idle
 * and absolute expiry; revocation).
 *
 * @module
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  VerifiedAuthenticationResponse,
  VerifiedRegistrationResponse,
} from '@simplewebauthn/server'
import { IdpError, type ExtensionApi, type RequestContext } from '@sentryagent/core'
import { consoleError } from './errors.js'
import type { Invitation, Operator, Passkey, Session } from './model.js'
import { digest, newSecret, type OperatorService } from './operators.js'

/** Settings of the ceremonies and sessions. */
export interface AuthSettings {
  /** Exact browser origin of the console (`https://idp.example.com`). */
  origin: string
  /** WebAuthn relying-party id (the origin's host name, or a registrable suffix of it). */
  rpId: string
  rpName: string
  idleSeconds: number
  absoluteSeconds: number
  /** How long a ceremony's challenge is valid. */
  challengeSeconds: number
}

type Ceremony =
  | { kind: 'register'; challenge: string; invitationId: string; userHandle: string }
  | { kind: 'add-passkey'; challenge: string; organizationId: string; operatorId: string }
  | { kind: 'sign-in'; challenge: string }

const CEREMONY_PREFIX = 'console:ceremony:'

/** The signed-in operator of a request. */
export interface SignedIn {
  session: Session
  operator: Operator
  /** Session id as presented (for the CSRF token). */
  sessionId: string
}

/** Bound to the session: a page can read it only from a same-origin response. */
export const csrfTokenFor = (sessionId: string): string => digest(`csrf:${sessionId}`)

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** `@simplewebauthn/server`, loaded on the first ceremony: it adds nothing to the server's start. */
let webauthnModule: Promise<typeof import('@simplewebauthn/server')> | undefined
const webauthn = () => (webauthnModule ??= import('@simplewebauthn/server'))

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The console's cookie name: `__Host-` prefixed (host-only, Secure, Path=/) over https. */
export const cookieName = (secure: boolean) => (secure ? '__Host-sentryagent_console' : 'sentryagent_console')

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export function createAuth(api: ExtensionApi, operators: OperatorService, settings: AuthSettings) {
  const repo = () => api.storage.ext('console')
  const secure = settings.origin.startsWith('https://')
  const cookie = cookieName(secure)

  async function startCeremony(ceremony: Ceremony): Promise<string> {
    const id = randomUUID()
    await api.ephemeral.set(CEREMONY_PREFIX + id, JSON.stringify(ceremony), settings.challengeSeconds)
    return id
  }

  /** Takes the ceremony (single use: a replay finds nothing). */
  async function takeCeremony<K extends Ceremony['kind']>(id: unknown, kind: K): Promise<Extract<Ceremony, { kind: K }>> {
    const raw = typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) ? await api.ephemeral.getAndDelete(CEREMONY_PREFIX + id) : null
    const ceremony = raw === null ? null : (JSON.parse(raw) as Ceremony)
    if (ceremony === null || ceremony.kind !== kind) throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'Unknown, used or expired challenge')
    return ceremony as Extract<Ceremony, { kind: K }>
  }

  async function registrationOptions(user: { userHandle: string; email: string; displayName: string }, exclude: Passkey[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return (await webauthn()).generateRegistrationOptions({
      rpName: settings.rpName,
      rpID: settings.rpId,
      userName: user.email,
      userDisplayName: user.displayName,
      userID: Buffer.from(user.userHandle, 'base64url'),
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: exclude.map((p) => ({ id: p.credentialId })),
      timeout: settings.challengeSeconds * 1000,
    })
  }

  async function verifyRegistration(response: RegistrationResponseJSON, challenge: string) {
    const { verifyRegistrationResponse } = await webauthn()
    let result: VerifiedRegistrationResponse
    try {
      result = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: settings.origin,
        expectedRPID: settings.rpId,
        requireUserVerification: true,
      })
    } catch (cause) {
      throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'The passkey could not be verified', { cause })
    }
    if (!result.verified) throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'The passkey could not be verified')
    return result.registrationInfo
  }

  function passkeyFrom(info: Awaited<ReturnType<typeof verifyRegistration>>, owner: { organizationId: string; operatorId: string }, name: string): Passkey {
    return {
      passkeyId: `pk_${randomUUID()}`,
      organizationId: owner.organizationId,
      operatorId: owner.operatorId,
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: [...(info.credential.transports ?? [])],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name,
      createdAt: api.clock(),
      lastUsedAt: null,
    }
  }

  async function newSession(tx: Parameters<Parameters<ExtensionApi['transaction']>[0]>[0], op: Operator): Promise<{ sessionId: string; session: Session }> {
    const sessionId = newSecret()
    const now = api.clock()
    const session: Session = {
      sessionHash: digest(sessionId),
      organizationId: op.organizationId,
      operatorId: op.operatorId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + settings.absoluteSeconds * 1000),
    }
    await tx.ext('console').insertSession(session)
    return { sessionId, session }
  }

  /** `Set-Cookie` value that starts a session. */
  function setCookie(sessionId: string, session: Session): string {
    const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - api.clock().getTime()) / 1000))
    return `${cookie}=${sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
  }

  /** `Set-Cookie` value that ends it in the browser. */
  const clearCookie = () => `${cookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`

  const sessionExpired = () => new IdpError('INVALID_TOKEN', 'The console session is missing, expired or revoked')

  /**
   * The signed-in operator of a request with a session cookie, `null` without one. State-changing
   * methods need the CSRF token (`X-CSRF-Token`) and, when the browser sends one, a same `Origin`.
   * @throws {IdpError} INVALID_TOKEN (expired, revoked, unknown); CONSOLE_CSRF
   */
  async function signedIn(req: { method: string; headers: Record<string, string | string[] | undefined> }): Promise<SignedIn | null> {
    const cookieHeader = req.headers['cookie']
    const sessionId = readCookie(typeof cookieHeader === 'string' ? cookieHeader : undefined, cookie)
    if (sessionId === undefined || sessionId === '') return null
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) throw sessionExpired()
    const r = repo()
    const session = await r.findSession(digest(sessionId))
    if (session === null) throw sessionExpired()
    const now = api.clock()
    if (session.expiresAt <= now || session.lastSeenAt.getTime() + settings.idleSeconds * 1000 <= now.getTime()) {
      await api.transaction((tx) => tx.ext('console').deleteSession(session.sessionHash))
      throw sessionExpired()
    }
    if (!SAFE_METHODS.has(req.method.toUpperCase())) {
      const origin = req.headers['origin']
      if (origin !== undefined && origin !== settings.origin) throw consoleError('CONSOLE_CSRF', 'Cross-origin request refused')
      const token = req.headers['x-csrf-token']
      if (typeof token !== 'string' || !sameSecret(token, csrfTokenFor(sessionId))) throw consoleError('CONSOLE_CSRF', 'Missing or wrong X-CSRF-Token header')
    }
    const operator = await r.findOperator(session.organizationId, session.operatorId)
    if (operator === null || operator.status !== 'active') throw sessionExpired()
    // Sliding idle expiry, written at most once a minute.
    if (now.getTime() - session.lastSeenAt.getTime() >= 60_000) {
      await api.transaction((tx) => tx.ext('console').touchSession(session.sessionHash, now))
    }
    return { session, operator, sessionId }
  }

  /** The core context of a signed-in operator: its role's scopes, audited as `operator:<id>`. */
  async function contextOf(s: SignedIn, request: { requestId?: string; ip?: string | null } = {}): Promise<RequestContext> {
    return api.principalContext({
      organizationId: s.operator.organizationId,
      kind: 'operator',
      id: s.operator.operatorId,
      scopes: await operators.scopesOf(s.operator.organizationId, s.operator.role),
      requestId: request.requestId,
      ip: request.ip,
    })
  }

  return {
    cookie,
    setCookie,
    clearCookie,
    signedIn,
    contextOf,

    /** Registration through an invitation (or the setup link): options for the invitee's first passkey. */
    async registrationStart(token: string) {
      const inv = await operators.invitationFor(token)
      const userHandle = randomBytes(32).toString('base64url')
      const options = await registrationOptions({ userHandle, email: inv.email, displayName: inv.email }, [])
      const ceremonyId = await startCeremony({ kind: 'register', challenge: options.challenge, invitationId: inv.invitationId, userHandle })
      return { ceremonyId, options, invitation: { email: inv.email, role: inv.role, kind: inv.kind, organizationId: inv.organizationId } }
    },

    /** Completes registration: the operator, its passkey and a session, with their audit events, in one transaction. */
    async registrationFinish(input: { ceremonyId: string; token: string; response: RegistrationResponseJSON; displayName: string; email?: string | undefined; passkeyName?: string | undefined; ip?: string | null | undefined }) {
      const ceremony = await takeCeremony(input.ceremonyId, 'register')
      const inv: Invitation = await operators.invitationFor(input.token)
      if (inv.invitationId !== ceremony.invitationId) throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'The challenge belongs to another invitation')
      const info = await verifyRegistration(input.response, ceremony.challenge)
      const email = inv.kind === 'setup' && input.email !== undefined ? input.email.trim().toLowerCase() : inv.email
      const now = api.clock()
      const operator: Operator = {
        operatorId: `op_${randomUUID()}`,
        organizationId: inv.organizationId,
        email,
        displayName: input.displayName,
        role: inv.role,
        status: 'active',
        userHandle: ceremony.userHandle,
        createdAt: now,
        updatedAt: now,
      }
      const passkey = passkeyFrom(info, operator, input.passkeyName ?? 'Passkey')
      return api.transaction(async (tx) => {
        const r = tx.ext('console')
        if (!(await r.acceptInvitation(inv.invitationId, now))) throw consoleError('CONSOLE_INVITATION_INVALID', 'This invitation link was used already')
        await operators.assertSetupOpen(r, inv)
        if ((await r.findOperatorByEmail(operator.organizationId, email)) !== null) throw consoleError('CONSOLE_OPERATOR_EXISTS', 'An operator with this email exists')
        await r.insertOperator(operator)
        await r.insertPasskey(passkey)
        const actor = `operator:${operator.operatorId}`
        await api.audit.record(tx, { organizationId: operator.organizationId, action: 'console.operator_joined', actor, ip: input.ip, details: { operatorId: operator.operatorId, email, role: operator.role, invitationId: inv.invitationId } })
        await api.audit.record(tx, { organizationId: operator.organizationId, action: 'console.passkey_added', actor, ip: input.ip, details: { operatorId: operator.operatorId, passkeyId: passkey.passkeyId, name: passkey.name } })
        const { sessionId, session } = await newSession(tx, operator)
        await api.audit.record(tx, { organizationId: operator.organizationId, action: 'console.signed_in', actor, ip: input.ip, details: { operatorId: operator.operatorId, passkeyId: passkey.passkeyId } })
        return { operator, sessionId, session }
      })
    },

    /** A signed-in operator adds another passkey. */
    async addPasskeyStart(s: SignedIn) {
      const existing = await repo().listPasskeys(s.operator.organizationId, s.operator.operatorId)
      const options = await registrationOptions({ userHandle: s.operator.userHandle, email: s.operator.email, displayName: s.operator.displayName }, existing)
      const ceremonyId = await startCeremony({ kind: 'add-passkey', challenge: options.challenge, organizationId: s.operator.organizationId, operatorId: s.operator.operatorId })
      return { ceremonyId, options }
    },

    async addPasskeyFinish(s: SignedIn, input: { ceremonyId: string; response: RegistrationResponseJSON; name?: string | undefined; ip?: string | null | undefined }) {
      const ceremony = await takeCeremony(input.ceremonyId, 'add-passkey')
      if (ceremony.operatorId !== s.operator.operatorId) throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'The challenge belongs to another operator')
      const info = await verifyRegistration(input.response, ceremony.challenge)
      const passkey = passkeyFrom(info, s.operator, input.name ?? 'Passkey')
      await api.transaction(async (tx) => {
        await tx.ext('console').insertPasskey(passkey)
        await api.audit.record(tx, { organizationId: s.operator.organizationId, action: 'console.passkey_added', actor: `operator:${s.operator.operatorId}`, ip: input.ip, details: { operatorId: s.operator.operatorId, passkeyId: passkey.passkeyId, name: passkey.name } })
      })
      return passkey
    },

    async signInStart(): Promise<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      const options = await (await webauthn()).generateAuthenticationOptions({ rpID: settings.rpId, userVerification: 'required', timeout: settings.challengeSeconds * 1000 })
      const ceremonyId = await startCeremony({ kind: 'sign-in', challenge: options.challenge })
      return { ceremonyId, options }
    },

    /** Verifies an assertion and starts a session; failures of a known passkey are audited. */
    async signInFinish(input: { ceremonyId: string; response: AuthenticationResponseJSON; ip?: string | null | undefined }) {
      const ceremony = await takeCeremony(input.ceremonyId, 'sign-in')
      const credentialId = typeof input.response.id === 'string' ? input.response.id : ''
      const passkey = credentialId === '' ? null : await repo().findPasskeyByCredentialId(credentialId)
      const operator = passkey === null ? null : await repo().findOperator(passkey.organizationId, passkey.operatorId)
      if (passkey === null || operator === null) throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'Unknown passkey')
      const fail = async (reason: string, cause?: unknown): Promise<never> => {
        await api.transaction((tx) =>
          api.audit.record(tx, { organizationId: operator.organizationId, action: 'console.sign_in_failed', outcome: 'failure', actor: `operator:${operator.operatorId}`, ip: input.ip, details: { operatorId: operator.operatorId, reason } }),
        )
        throw consoleError('CONSOLE_WEBAUTHN_FAILED', 'The passkey could not be verified', { cause })
      }
      if (operator.status !== 'active') return fail('operator disabled')
      const { verifyAuthenticationResponse } = await webauthn()
      let verification: VerifiedAuthenticationResponse
      try {
        verification = await verifyAuthenticationResponse({
          response: input.response,
          expectedChallenge: ceremony.challenge,
          expectedOrigin: settings.origin,
          expectedRPID: settings.rpId,
          credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter },
          requireUserVerification: true,
        })
      } catch (cause) {
        return fail(cause instanceof Error ? cause.message.slice(0, 200) : 'verification failed', cause)
      }
      if (!verification.verified) return fail('not verified')
      const now = api.clock()
      return api.transaction(async (tx) => {
        const r = tx.ext('console')
        await r.recordPasskeyUse(passkey.credentialId, verification.authenticationInfo.newCounter, verification.authenticationInfo.credentialBackedUp, now)
        const { sessionId, session } = await newSession(tx, operator)
        await api.audit.record(tx, { organizationId: operator.organizationId, action: 'console.signed_in', actor: `operator:${operator.operatorId}`, ip: input.ip, details: { operatorId: operator.operatorId, passkeyId: passkey.passkeyId } })
        return { operator, sessionId, session }
      })
    },

    /** Ends this session, or every session of the operator. */
    async signOut(s: SignedIn, everywhere: boolean, ip?: string | null) {
      await api.transaction(async (tx) => {
        const r = tx.ext('console')
        const n = everywhere ? await r.deleteSessionsOf(s.operator.organizationId, s.operator.operatorId) : Number(await r.deleteSession(s.session.sessionHash))
        await api.audit.record(tx, { organizationId: s.operator.organizationId, action: 'console.signed_out', actor: `operator:${s.operator.operatorId}`, ip, details: { operatorId: s.operator.operatorId, everywhere, sessions: n } })
      })
    },
  }
}

export type ConsoleAuth = ReturnType<typeof createAuth>
