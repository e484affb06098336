/**
 * JSON schemas of the console's routes (validation and OpenAPI).
 *
 * @module
 */
import { Type } from '@sinclair/typebox'
import { OPERATOR_ROLES } from './model.js'

/** An organization id, as core's `Id` (the same field on `POST /agents` and `GET /agents`). */
const OrganizationId = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description })

export const Role = Type.Union(OPERATOR_ROLES.map((r) => Type.Literal(r)))

export const OperatorView = Type.Object(
  {
    operatorId: Type.String(),
    organizationId: Type.String(),
    email: Type.String(),
    displayName: Type.String(),
    role: Role,
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    scopes: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
)

export const PasskeyView = Type.Object(
  {
    passkeyId: Type.String(),
    name: Type.String(),
    deviceType: Type.Union([Type.Literal('singleDevice'), Type.Literal('multiDevice')]),
    backedUp: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
)

export const InvitationView = Type.Object(
  {
    invitationId: Type.String(),
    organizationId: Type.String(),
    email: Type.String(),
    role: Role,
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    expired: Type.Boolean(),
  },
  { additionalProperties: false },
)

export const CreatedInvitation = Type.Object(
  { ...InvitationView.properties, link: Type.String({ description: 'One-time link (24 h); shown once' }) },
  { additionalProperties: false },
)

export const NewInvitation = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    role: Role,
    organizationId: Type.Optional(OrganizationId('Platform administrators (`admin:orgs`) only: invite into another organization; anyone else naming another organization gets 404')),
  },
  { additionalProperties: false },
)

/** `?organizationId=` of the operator lists: the caller's organization by default. */
export const OrganizationQuery = Type.Object(
  { organizationId: Type.Optional(OrganizationId('Platform administrators (`admin:orgs`) only: another organization; anyone else naming another organization gets 404')) },
  { additionalProperties: false },
)

export const OperatorPatch = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Role),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** A WebAuthn response from the browser (`@simplewebauthn/browser`): checked by the verifier. */
export const WebAuthnResponse = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 1400 }),
    rawId: Type.String({ minLength: 1, maxLength: 1400 }),
    type: Type.Literal('public-key'),
    // Its fields differ by ceremony and browser (publicKeyAlgorithm is a number, transports a list);
    // the verifier checks every one it uses, and the body limit bounds the rest.
    response: Type.Object({ clientDataJSON: Type.String({ minLength: 1, maxLength: 16_384 }) }, { additionalProperties: true }),
    clientExtensionResults: Type.Object({}, { additionalProperties: true }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
)

export const SessionView = Type.Object(
  {
    operator: OperatorView,
    csrfToken: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
    features: Type.Array(Type.String(), { description: 'Installed plugins (pages the console shows)' }),
  },
  { additionalProperties: false },
)

export const CeremonyOptions = Type.Object(
  { ceremonyId: Type.String(), options: Type.Object({}, { additionalProperties: true }) },
  { additionalProperties: true },
)
