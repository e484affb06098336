/**
 * JSON Schemas of agent keys (SPEC §4).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { DateTime, literalUnion, strict } from '../schema-kit.js'

const JwkMember = Type.String({ maxLength: 4096 })

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

export const JwkView = Type.Record(Type.String(), Type.String())

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
