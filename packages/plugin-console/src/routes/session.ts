/**
 * `/console/api/*`: the console's own endpoints — passkey registration through an invitation link,
 * sign-in, the session, sign-out (here or everywhere), adding passkeys. Everything else the console
 * does goes through the REST API with the session cookie (and its CSRF token).
 *
 * @module
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { IdpError } from '@sentryagent/core'
import { noStore, problemResponses } from '@sentryagent/fastify'
import { Type, type Static } from '@sinclair/typebox'
import type {} from '@fastify/swagger'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { csrfTokenFor, type ConsoleAuth, type SignedIn } from '../auth.js'
import { consoleError } from '../errors.js'
import { passkeyView, type OperatorService } from '../operators.js'
import { CeremonyOptions, PasskeyView, Role, SessionView, WebAuthnResponse } from '../schemas.js'

const tags = ['Console']

const Token = Type.String({ minLength: 1, maxLength: 128 })
const CeremonyId = Type.String({ minLength: 36, maxLength: 36 })
const RegistrationBody = Type.Object(
  {
    ceremonyId: CeremonyId,
    token: Token,
    response: WebAuthnResponse,
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, description: 'Setup link only: the platform owner’s email' })),
    passkeyName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
)
const SignInBody = Type.Object({ ceremonyId: CeremonyId, response: WebAuthnResponse }, { additionalProperties: false })
const AddPasskeyBody = Type.Object(
  { ceremonyId: CeremonyId, response: WebAuthnResponse, name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
)
const SignOutBody = Type.Object({ everywhere: Type.Optional(Type.Boolean()) }, { additionalProperties: false })
const Empty = Type.Object({}, { additionalProperties: false })

export interface SessionRouteDeps {
  auth: () => ConsoleAuth
  operators: () => OperatorService
  origin: string
  features: () => string[]
}

export function sessionRoutes(deps: SessionRouteDeps): FastifyPluginAsync {
  const pub = { public: true, rateLimit: 'public' } as const

  /** Ceremony endpoints accept browser requests from the console's own origin only (login CSRF). */
  const sameOrigin = (req: FastifyRequest) => {
    const origin = req.headers.origin
    if (origin !== undefined && origin !== deps.origin) throw consoleError('CONSOLE_CSRF', 'Cross-origin request refused')
  }

  async function requireSignedIn(req: FastifyRequest): Promise<SignedIn> {
    const s = await deps.auth().signedIn(req)
    if (s === null) throw new IdpError('INVALID_TOKEN', 'Sign in to the console first')
    return s
  }

  async function sessionView(s: { operator: SignedIn['operator']; sessionId: string; session: SignedIn['session'] }) {
    return {
      operator: await deps.operators().view(s.operator),
      csrfToken: csrfTokenFor(s.sessionId),
      expiresAt: s.session.expiresAt.toISOString(),
      features: deps.features(),
    }
  }

  const started = async (reply: FastifyReply, s: { operator: SignedIn['operator']; sessionId: string; session: SignedIn['session'] }) => {
    noStore(reply)
    return reply.header('set-cookie', deps.auth().setCookie(s.sessionId, s.session)).send(await sessionView(s))
  }

  return async (app) => {
    app.post<{ Body: { token: string } }>(
      '/console/api/registration/options',
      {
        config: pub,
        schema: {
          tags,
          summary: 'Start registering a passkey through an invitation or setup link',
          body: Type.Object({ token: Token }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              ceremonyId: Type.String(),
              options: Type.Object({}, { additionalProperties: true }),
              invitation: Type.Object({ email: Type.String(), role: Role, kind: Type.String(), organizationId: Type.String() }),
            }),
            ...problemResponses,
          },
        },
      },
      async (req, reply) => {
        sameOrigin(req)
        noStore(reply)
        return deps.auth().registrationStart(req.body.token)
      },
    )
    app.post<{ Body: Static<typeof RegistrationBody> }>(
      '/console/api/registration',
      { config: pub, schema: { tags, summary: 'Finish registration: the operator, its passkey and a session', body: RegistrationBody, response: { 200: SessionView, ...problemResponses } } },
      async (req, reply) => {
        sameOrigin(req)
        const done = await deps.auth().registrationFinish({ ...req.body, response: req.body.response as unknown as RegistrationResponseJSON, ip: req.ip })
        return started(reply, done)
      },
    )
    app.post(
      '/console/api/sign-in/options',
      { config: pub, schema: { tags, summary: 'Start signing in with a passkey', body: Type.Optional(Empty), response: { 200: CeremonyOptions, ...problemResponses } } },
      async (req, reply) => {
        sameOrigin(req)
        noStore(reply)
        return deps.auth().signInStart()
      },
    )
    app.post<{ Body: Static<typeof SignInBody> }>(
      '/console/api/sign-in',
      { config: pub, schema: { tags, summary: 'Finish signing in: a session cookie', body: SignInBody, response: { 200: SessionView, ...problemResponses } } },
      async (req, reply) => {
        sameOrigin(req)
        const done = await deps.auth().signInFinish({ ceremonyId: req.body.ceremonyId, response: req.body.response as unknown as AuthenticationResponseJSON, ip: req.ip })
        return started(reply, done)
      },
    )
    app.get(
      '/console/api/session',
      { config: pub, schema: { tags, summary: 'The signed-in operator, its CSRF token and the installed features', response: { 200: SessionView, ...problemResponses } } },
      async (req, reply) => {
        noStore(reply)
        return sessionView(await requireSignedIn(req))
      },
    )
    app.post<{ Body: Static<typeof SignOutBody> | undefined }>(
      '/console/api/sign-out',
      { config: pub, schema: { tags, summary: 'Sign out (here, or everywhere)', body: Type.Optional(SignOutBody), response: { 204: { description: 'Signed out', type: 'null' }, ...problemResponses } } },
      async (req, reply) => {
        const s = await requireSignedIn(req)
        await deps.auth().signOut(s, req.body?.everywhere === true, req.ip)
        return reply.code(204).header('set-cookie', deps.auth().clearCookie()).send()
      },
    )
    app.post(
      '/console/api/passkeys/options',
      { config: pub, schema: { tags, summary: 'Start adding a passkey to the signed-in operator', body: Type.Optional(Empty), response: { 200: CeremonyOptions, ...problemResponses } } },
      async (req, reply) => {
        const s = await requireSignedIn(req)
        noStore(reply)
        return deps.auth().addPasskeyStart(s)
      },
    )
    app.post<{ Body: Static<typeof AddPasskeyBody> }>(
      '/console/api/passkeys',
      { config: pub, schema: { tags, summary: 'Finish adding a passkey', body: AddPasskeyBody, response: { 201: PasskeyView, ...problemResponses } } },
      async (req, reply) => {
        const s = await requireSignedIn(req)
        const passkey = await deps.auth().addPasskeyFinish(s, { ...req.body, response: req.body.response as unknown as RegistrationResponseJSON, ip: req.ip })
        return reply.code(201).send(passkeyView(passkey))
      },
    )
  }
}
