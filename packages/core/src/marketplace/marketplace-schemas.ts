/**
 * JSON Schemas of the public marketplace (SPEC §7).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { AGENT_TYPES, DEPLOYMENT_ENVS } from '../model.js'
import { DateTime, literalUnion, pageParams, strict } from '../schema-kit.js'

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
