/**
 * JSON Schemas of credentials (SPEC §5).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { DateTime, literalUnion, strict } from '../schema-kit.js'

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
