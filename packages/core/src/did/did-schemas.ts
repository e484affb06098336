/**
 * JSON Schemas of DID documents and DID resolution (SPEC §7).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { JwkView } from '../agent-keys/agent-key-schemas.js'
import { DateTime, literalUnion, strict } from '../schema-kit.js'

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
