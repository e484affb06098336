/**
 * JSON Schemas of the audit log, its verification, checkpoints and proofs (SPEC §9).
 *
 * @module
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { DateTime, Id, literalUnion, pageParams, strict } from '../schema-kit.js'

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
