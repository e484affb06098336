/**
 * JSON Schemas of delegation (SPEC §8).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { DateTime, Id, MAX_SCOPES, ScopeSchema, literalUnion, strict } from '../schema-kit.js'

/** Longest chain a delegator may allow (`maxDepth`). */
export const MAX_DELEGATION_DEPTH = 5

export const CreateDelegationBody = Type.Object(
  {
    delegateeAgentId: Id,
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: MAX_SCOPES, uniqueItems: true }),
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
