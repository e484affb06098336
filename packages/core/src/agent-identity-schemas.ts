/**
 * JSON Schemas (TypeBox) of agent keys, DID documents, agent cards, the marketplace and the
 * compliance endpoints (SPEC §4 keys, §7, §11 Compliance). Re-exported by `schemas.ts`, so they are
 * reached as `schemas.X` like every other schema. Standalone on purpose: `schemas.ts` imports the
 * JWK body from here, so nothing here imports `schemas.ts`.
 *
 * @module
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox'
import { AGENT_TYPES, DEPLOYMENT_ENVS } from './model.js'
import { pageParams } from './page-params.js'

const strict = { additionalProperties: false } as const
const DateTime = Type.String({ format: 'date-time' })
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })
const literalUnion = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>
const JwkMember = Type.String({ maxLength: 4096 })

// ---- keys -------------------------------------------------------------------------------------

/**
 * A public JWK as a request body. Members other than the listed ones pass the schema so that core
 * can answer a private member (`d`, `p`, `k`…) with a precise field error; they are never stored.
 */
export const PublicJwkBody = Type.Object(
  {
    kty: Type.String({ maxLength: 16 }),
    crv: Type.Optional(JwkMember),
    x: Type.Optional(JwkMember),
    y: Type.Optional(JwkMember),
    n: Type.Optional(JwkMember),
    e: Type.Optional(JwkMember),
    kid: Type.Optional(Type.String({ maxLength: 128 })),
    alg: Type.Optional(Type.String({ maxLength: 16 })),
    use: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: true, maxProperties: 24, description: 'Public JWK: EC P-256, Ed25519 or RSA ≥ 2048 bits.' },
)
export type PublicJwkBody = Static<typeof PublicJwkBody>

export const AgentKeyAlgSchema = literalUnion(['ES256', 'EdDSA', 'RS256', 'PS256'] as const)

export const AddAgentKeyBody = Type.Object(
  {
    publicJwk: Type.Optional(PublicJwkBody),
    alg: Type.Optional(AgentKeyAlgSchema),
  },
  { ...strict, description: '`{ publicJwk }` registers a key; `{}` or `{ alg }` has the server generate a pair.' },
)
export type AddAgentKeyBody = Static<typeof AddAgentKeyBody>

const JwkView = Type.Record(Type.String(), Type.String())

export const AgentKeyView = Type.Object(
  {
    kid: Type.String(),
    agentId: Type.String(),
    alg: Type.String(),
    publicJwk: JwkView,
    status: literalUnion(['active', 'removed'] as const),
    createdAt: DateTime,
    removedAt: Type.Union([DateTime, Type.Null()]),
  },
  { $id: 'AgentKey', ...strict },
)
export type AgentKeyView = Static<typeof AgentKeyView>

export const AgentKeyWithPrivateView = Type.Object(
  {
    kid: Type.String(),
    agentId: Type.String(),
    alg: Type.String(),
    publicJwk: JwkView,
    privateJwk: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Only when the server generated the pair, only in this response.' })),
    status: literalUnion(['active', 'removed'] as const),
    createdAt: DateTime,
    removedAt: Type.Union([DateTime, Type.Null()]),
  },
  { $id: 'AgentKeyWithPrivate', ...strict },
)
export type AgentKeyWithPrivateView = Static<typeof AgentKeyWithPrivateView>

export const KeyIdParam = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' })

// ---- DIDs ---------------------------------------------------------------------------------------

const VerificationMethod = Type.Object(
  { id: Type.String(), type: Type.String(), controller: Type.String(), publicKeyJwk: JwkView },
  strict,
)
const DidService = Type.Object({ id: Type.String(), type: Type.String(), serviceEndpoint: Type.String() }, strict)

export const DidDocument = Type.Object(
  {
    '@context': Type.Array(Type.String()),
    id: Type.String(),
    controller: Type.Optional(Type.String()),
    verificationMethod: Type.Array(VerificationMethod),
    authentication: Type.Array(Type.String()),
    assertionMethod: Type.Array(Type.String()),
    service: Type.Optional(Type.Array(DidService)),
  },
  { $id: 'DidDocument', ...strict },
)
export type DidDocument = Static<typeof DidDocument>

export const DidResolutionResult = Type.Object(
  {
    '@context': Type.String(),
    didDocument: Type.Union([DidDocument, Type.Null()]),
    didResolutionMetadata: Type.Object(
      { contentType: Type.Optional(Type.String()), error: Type.Optional(Type.String()) },
      strict,
    ),
    didDocumentMetadata: Type.Object(
      {
        created: Type.Optional(DateTime),
        updated: Type.Optional(DateTime),
        deactivated: Type.Optional(Type.Boolean()),
        status: Type.Optional(literalUnion(['active', 'suspended', 'decommissioned'] as const)),
      },
      strict,
    ),
  },
  { $id: 'DidResolutionResult', ...strict },
)
export type DidResolutionResult = Static<typeof DidResolutionResult>

// ---- cards --------------------------------------------------------------------------------------

export const IdentityProviderRef = Type.Object(
  { issuer: Type.String(), did: Type.String(), jwksUri: Type.String(), tokenEndpoint: Type.String() },
  strict,
)

/** AGNTCY-style agent card (SPEC §7). */
export const AgentCardView = Type.Object(
  {
    agentId: Type.String(),
    did: Type.String(),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    agentType: literalUnion(AGENT_TYPES),
    capabilities: Type.Array(Type.String()),
    owner: Type.String(),
    version: Type.String(),
    deploymentEnv: literalUnion(DEPLOYMENT_ENVS),
    status: literalUnion(['active', 'suspended', 'decommissioned'] as const),
    identityProvider: IdentityProviderRef,
    issuedAt: DateTime,
  },
  { $id: 'AgentCard', ...strict },
)
export type AgentCardView = Static<typeof AgentCardView>

const A2ASkill = Type.Object(
  { id: Type.String(), name: Type.String(), description: Type.String(), tags: Type.Array(Type.String()) },
  strict,
)

/** A2A `AgentCard` rendering of the same agent (A2A protocol 0.3). */
export const A2AAgentCardView = Type.Object(
  {
    protocolVersion: Type.String(),
    name: Type.String(),
    description: Type.String(),
    url: Type.String(),
    version: Type.String(),
    provider: Type.Object({ organization: Type.String(), url: Type.String() }, strict),
    capabilities: Type.Object(
      { streaming: Type.Boolean(), pushNotifications: Type.Boolean(), stateTransitionHistory: Type.Boolean() },
      strict,
    ),
    securitySchemes: Type.Record(Type.String(), Type.Unknown()),
    security: Type.Array(Type.Record(Type.String(), Type.Array(Type.String()))),
    defaultInputModes: Type.Array(Type.String()),
    defaultOutputModes: Type.Array(Type.String()),
    skills: Type.Array(A2ASkill),
  },
  { $id: 'A2AAgentCard', ...strict },
)
export type A2AAgentCardView = Static<typeof A2AAgentCardView>

export const AgentCardQuery = Type.Object(
  {
    format: Type.Optional(literalUnion(['agntcy', 'a2a'] as const)),
    signed: Type.Optional(Type.Boolean({ description: 'Return a compact JWS (`application/jwt`) signed by the IdP.' })),
  },
  strict,
)
export type AgentCardQuery = Static<typeof AgentCardQuery>

// ---- marketplace --------------------------------------------------------------------------------

export const MarketplaceQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    capability: Type.Optional(Type.String({ maxLength: 128 })),
    publisher: Type.Optional(Type.String({ maxLength: 63, description: 'Slug of the publishing organization.' })),
    ...pageParams,
  },
  strict,
)
export type MarketplaceQuery = Static<typeof MarketplaceQuery>

export const MarketplaceAgentView = Type.Object(
  {
    agentId: Type.String(),
    did: Type.String(),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    agentType: literalUnion(AGENT_TYPES),
    version: Type.String(),
    capabilities: Type.Array(Type.String()),
    owner: Type.String(),
    deploymentEnv: literalUnion(DEPLOYMENT_ENVS),
    publisher: Type.Object({ slug: Type.String(), name: Type.String() }, strict),
    createdAt: DateTime,
  },
  { $id: 'MarketplaceAgent', ...strict },
)
export type MarketplaceAgentView = Static<typeof MarketplaceAgentView>

// ---- compliance ---------------------------------------------------------------------------------

export const ComplianceCheckView = Type.Object(
  { id: Type.String(), description: Type.String(), passed: Type.Boolean(), details: Type.Record(Type.String(), Type.Unknown()) },
  strict,
)

export const ComplianceReportView = Type.Object(
  {
    organizationId: Type.String(),
    generatedAt: DateTime,
    agents: Type.Object(
      {
        total: Type.Integer(),
        active: Type.Integer(),
        withResolvableDid: Type.Integer(),
        withVerificationKey: Type.Integer(),
      },
      strict,
    ),
    auditChain: Type.Object(
      { verified: Type.Boolean(), checkedCount: Type.Integer(), headHash: Type.Union([Type.String(), Type.Null()]) },
      strict,
    ),
    agntcyConformance: Type.Boolean(),
    checks: Type.Array(ComplianceCheckView),
  },
  { $id: 'ComplianceReport', ...strict },
)
export type ComplianceReportView = Static<typeof ComplianceReportView>

export const ComplianceControlView = Type.Object(
  { id: Type.String(), title: Type.String(), description: Type.String(), references: Type.Array(Type.String()) },
  strict,
)
export type ComplianceControlView = Static<typeof ComplianceControlView>

export const ComplianceAgentCardsQuery = Type.Object(
  {
    ...pageParams,
  },
  strict,
)
export type ComplianceAgentCardsQuery = Static<typeof ComplianceAgentCardsQuery>

/** Path parameter of the public DID routes. */
export const AgentIdParam = Id
