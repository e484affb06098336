/**
 * JSON Schemas of agents (SPEC §4) and of the plain list query.
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { AGENT_TYPES, DEPLOYMENT_ENVS } from '../model.js'
import { PublicJwkBody } from '../agent-keys/agent-key-schemas.js'
import { DateTime, Id, MAX_SCOPES, SEMVER_PATTERN, ScopeSchema, literalUnion, pageParams, strict } from '../schema-kit.js'

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
    scopes: Type.Optional(Type.Array(ScopeSchema, { maxItems: MAX_SCOPES, uniqueItems: true })),
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
    scopes: Type.Optional(Type.Array(ScopeSchema, { maxItems: MAX_SCOPES, uniqueItems: true })),
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
