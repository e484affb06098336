/**
 * JSON Schemas (TypeBox) of every REST body, query and response. The same objects validate input
 * in core ({@link validate}) and are handed to Fastify as route schemas, so validation and the
 * OpenAPI document cannot drift. Objects reject unknown fields (SPEC §1).
 *
 * @module
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'
import { AGENT_TYPES, DEPLOYMENT_ENVS, PLAN_TIERS, SCOPES } from './model.js'
import { pageParams } from './page-params.js'
import { PublicJwkBody } from './agent-identity-schemas.js'

export * from './agent-identity-schemas.js'

const strict = { additionalProperties: false } as const
const literalUnion = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description === undefined ? {} : { description },
  ) as unknown as TUnion<TLiteral<T[number]>[]>

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })
export const DateTime = Type.String({ format: 'date-time' })
export const ScopeSchema = literalUnion(SCOPES, 'An authorization scope (SPEC §2).')
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$'

// ---- organizations ---------------------------------------------------------------------------

export const OrganizationView = Type.Object(
  {
    organizationId: Type.String(),
    name: Type.String(),
    slug: Type.String(),
    planTier: literalUnion(PLAN_TIERS),
    maxAgents: Type.Union([Type.Integer(), Type.Null()]),
    status: literalUnion(['active', 'suspended'] as const),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Organization', ...strict },
)
export type OrganizationView = Static<typeof OrganizationView>

export const CreateOrganizationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9-]+$' }),
    planTier: Type.Optional(literalUnion(PLAN_TIERS)),
  },
  strict,
)
export type CreateOrganizationBody = Static<typeof CreateOrganizationBody>

export const UpdateOrganizationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    planTier: Type.Optional(literalUnion(PLAN_TIERS)),
    status: Type.Optional(literalUnion(['active', 'suspended'] as const)),
  },
  { ...strict, minProperties: 1 },
)
export type UpdateOrganizationBody = Static<typeof UpdateOrganizationBody>

export const MemberView = Type.Object(
  {
    organizationId: Type.String(),
    agentId: Type.String(),
    role: literalUnion(['member', 'admin'] as const),
    createdAt: DateTime,
  },
  { $id: 'OrganizationMember', ...strict },
)
export type MemberView = Static<typeof MemberView>

export const AddMemberBody = Type.Object(
  { agentId: Id, role: Type.Optional(literalUnion(['member', 'admin'] as const)) },
  strict,
)
export type AddMemberBody = Static<typeof AddMemberBody>

// ---- agents ---------------------------------------------------------------------------------

const Capability = Type.String({ minLength: 3, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+:[A-Za-z0-9_.*-]+$' })
// Unambiguous on purpose: `[^\s@]+\.[^\s@]+` let the dot be matched by either side, which
// backtracks quadratically on "a@" + "."×n (ReDoS, issue 10). Here labels cannot contain a dot.
const Email = Type.String({ maxLength: 254, pattern: '^[^\\s@]+@[^\\s@.]+(?:\\.[^\\s@.]+)+$' })

export const AgentView = Type.Object(
  {
    agentId: Type.String(),
    organizationId: Type.String(),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    agentType: literalUnion(AGENT_TYPES),
    version: Type.String(),
    capabilities: Type.Array(Type.String()),
    owner: Type.String(),
    deploymentEnv: literalUnion(DEPLOYMENT_ENVS),
    description: Type.Union([Type.String(), Type.Null()]),
    scopes: Type.Array(ScopeSchema),
    isPublic: Type.Boolean(),
    status: literalUnion(['active', 'suspended', 'decommissioned'] as const),
    did: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Agent', ...strict },
)
export type AgentView = Static<typeof AgentView>

export const RegisterAgentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Email),
    agentType: literalUnion(AGENT_TYPES),
    version: Type.String({ maxLength: 64, pattern: SEMVER_PATTERN }),
    capabilities: Type.Array(Capability, { maxItems: 100, uniqueItems: true }),
    owner: Type.String({ minLength: 1, maxLength: 200 }),
    deploymentEnv: literalUnion(DEPLOYMENT_ENVS),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    scopes: Type.Optional(Type.Array(ScopeSchema, { maxItems: SCOPES.length, uniqueItems: true })),
    isPublic: Type.Optional(Type.Boolean()),
    publicJwk: Type.Optional(PublicJwkBody),
    organizationId: Type.Optional(Id),
  },
  strict,
)
export type RegisterAgentBody = Static<typeof RegisterAgentBody>

export const UpdateAgentBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    version: Type.Optional(Type.String({ maxLength: 64, pattern: SEMVER_PATTERN })),
    capabilities: Type.Optional(Type.Array(Capability, { maxItems: 100, uniqueItems: true })),
    owner: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    deploymentEnv: Type.Optional(literalUnion(DEPLOYMENT_ENVS)),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    scopes: Type.Optional(Type.Array(ScopeSchema, { maxItems: SCOPES.length, uniqueItems: true })),
    isPublic: Type.Optional(Type.Boolean()),
    status: Type.Optional(literalUnion(['active', 'suspended'] as const)),
  },
  { ...strict, minProperties: 1 },
)
export type UpdateAgentBody = Static<typeof UpdateAgentBody>

export const ListQuery = Type.Object(
  {
    ...pageParams,
  },
  strict,
)
export type ListQuery = Static<typeof ListQuery>

export const ListAgentsQuery = Type.Object(
  {
    status: Type.Optional(literalUnion(['active', 'suspended', 'decommissioned'] as const)),
    agentType: Type.Optional(literalUnion(AGENT_TYPES)),
    owner: Type.Optional(Type.String({ maxLength: 200 })),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    organizationId: Type.Optional(Id),
    ...pageParams,
  },
  strict,
)
export type ListAgentsQuery = Static<typeof ListAgentsQuery>

// ---- credentials ----------------------------------------------------------------------------

export const CredentialView = Type.Object(
  {
    credentialId: Type.String(),
    agentId: Type.String(),
    clientId: Type.String(),
    status: literalUnion(['active', 'revoked'] as const),
    createdAt: DateTime,
    updatedAt: DateTime,
    expiresAt: Type.Union([DateTime, Type.Null()]),
    revokedAt: Type.Union([DateTime, Type.Null()]),
  },
  { $id: 'Credential', ...strict },
)
export type CredentialView = Static<typeof CredentialView>

export const CredentialWithSecretView = Type.Object(
  {
    credentialId: Type.String(),
    agentId: Type.String(),
    clientId: Type.String(),
    clientSecret: Type.String({ description: 'Shown only in this response.' }),
    status: literalUnion(['active', 'revoked'] as const),
    createdAt: DateTime,
    updatedAt: DateTime,
    expiresAt: Type.Union([DateTime, Type.Null()]),
    revokedAt: Type.Union([DateTime, Type.Null()]),
  },
  { $id: 'CredentialWithSecret', ...strict },
)
export type CredentialWithSecretView = Static<typeof CredentialWithSecretView>

export const CreateCredentialBody = Type.Object({ expiresAt: Type.Optional(DateTime) }, strict)
export type CreateCredentialBody = Static<typeof CreateCredentialBody>

// ---- audit ----------------------------------------------------------------------------------

export const AuditEventView = Type.Object(
  {
    eventId: Type.String(),
    seq: Type.Integer(),
    organizationId: Type.String(),
    timestamp: DateTime,
    action: Type.String(),
    outcome: literalUnion(['success', 'failure'] as const),
    actor: Type.String(),
    agentId: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditEvent', ...strict },
)
export type AuditEventView = Static<typeof AuditEventView>

export const ListAuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ maxLength: 64 })),
    agentId: Type.Optional(Id),
    outcome: Type.Optional(literalUnion(['success', 'failure'] as const)),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    ...pageParams,
  },
  strict,
)
export type ListAuditQuery = Static<typeof ListAuditQuery>

export const AuditVerifyView = Type.Object(
  {
    verified: Type.Boolean(),
    checkedCount: Type.Integer({ description: 'Events whose hash this call recomputed.' }),
    headHash: Type.Union([Type.String(), Type.Null()]),
    brokenAtEventId: Type.Optional(Type.String()),
    mode: literalUnion(
      ['incremental', 'full'] as const,
      'incremental: from the newest signed checkpoint (its sealed event recomputed) to the head; events before it are not re-read. full: every event of the range.',
    ),
    checkpointSize: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Size of the signed checkpoint the log was checked against (incremental: where it started), or null.',
    }),
  },
  strict,
)
export type AuditVerifyView = Static<typeof AuditVerifyView>

export const AuditCheckpointView = Type.Object(
  {
    checkpointId: Type.String(),
    organizationId: Type.String(),
    size: Type.Integer({ description: 'Number of events covered: the seq of the head.' }),
    headHash: Type.String(),
    issuedAt: DateTime,
    signature: Type.String({ description: 'Compact JWS (ES256, typ audit-checkpoint) over the RFC 8785 JSON of organizationId, size, headHash, issuedAt.' }),
  },
  { $id: 'AuditCheckpoint', ...strict },
)
export type AuditCheckpointView = Static<typeof AuditCheckpointView>

/** `schema` without its `$id`, for embedding one named schema inside another. */
function embedded<T extends TSchema>(schema: T): T {
  const { $id: _id, ...rest } = schema
  return rest as T
}

export const AuditProofView = Type.Object(
  {
    event: embedded(AuditEventView),
    checkpoint: embedded(AuditCheckpointView),
    events: Type.Array(embedded(AuditEventView), { description: 'The event and every later event up to checkpoint.size.' }),
  },
  strict,
)
export type AuditProofView = Static<typeof AuditProofView>

export const AuditRangeQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 1, description: 'First seq (inclusive).' })),
    to: Type.Optional(Type.Integer({ minimum: 1, description: 'Last seq (inclusive).' })),
  },
  strict,
)
export type AuditRangeQuery = Static<typeof AuditRangeQuery>

// ---- delegation (SPEC §8) ---------------------------------------------------------------------

/** Longest chain a delegator may allow (`maxDepth`). */
export const MAX_DELEGATION_DEPTH = 5

export const CreateDelegationBody = Type.Object(
  {
    delegateeAgentId: Id,
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
    ttlSeconds: Type.Integer({ minimum: 60, maximum: 86_400, description: 'Lifetime of the delegation in seconds.' }),
    maxDepth: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DELEGATION_DEPTH,
        description: 'Links the chain may have, this one included (1 = the delegatee cannot re-delegate). Default 1.',
      }),
    ),
  },
  strict,
)
export type CreateDelegationBody = Static<typeof CreateDelegationBody>

export const DelegationView = Type.Object(
  {
    delegationToken: Type.String({ description: 'Opaque to clients; present it as subject_token in a token exchange.' }),
    chainId: Type.String(),
    delegatorAgentId: Type.String(),
    delegateeAgentId: Type.String(),
    scopes: Type.Array(ScopeSchema),
    maxDepth: Type.Integer(),
    depth: Type.Integer(),
    parentChainId: Type.Union([Type.String(), Type.Null()]),
    issuedAt: DateTime,
    expiresAt: DateTime,
  },
  { $id: 'Delegation', ...strict },
)
export type DelegationView = Static<typeof DelegationView>

export const VerifyDelegationBody = Type.Object({ delegationToken: Type.String({ minLength: 1, maxLength: 8192 }) }, strict)
export type VerifyDelegationBody = Static<typeof VerifyDelegationBody>

export const DelegationVerificationView = Type.Object(
  {
    valid: Type.Boolean(),
    reason: Type.Optional(
      literalUnion(['invalid', 'expired', 'revoked', 'inactive'] as const, 'Why `valid` is false (absent when valid).'),
    ),
    chainId: Type.Optional(Type.String()),
    delegatorAgentId: Type.Optional(Type.String()),
    delegateeAgentId: Type.Optional(Type.String()),
    scopes: Type.Optional(Type.Array(ScopeSchema)),
    maxDepth: Type.Optional(Type.Integer()),
    depth: Type.Optional(Type.Integer()),
    parentChainId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    issuedAt: Type.Optional(DateTime),
    expiresAt: Type.Optional(DateTime),
    revokedAt: Type.Optional(Type.Union([DateTime, Type.Null()])),
  },
  { $id: 'DelegationVerification', ...strict },
)
export type DelegationVerificationView = Static<typeof DelegationVerificationView>

// ---- generic ----------------------------------------------------------------------------------

/** `{ items, nextCursor }` page of `item`. */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) }, strict)

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String(),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem' },
)

export const OAuthErrorSchema = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { $id: 'OAuthError' },
)
