/**
 * JSON Schemas of agent cards: AGNTCY-style and A2A (SPEC §7).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { AGENT_TYPES, DEPLOYMENT_ENVS } from '../model.js'
import { DateTime, literalUnion, strict } from '../schema-kit.js'

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
