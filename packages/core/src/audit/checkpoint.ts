/**
 * Signed audit checkpoints (ARCHITECTURE decision 5). A checkpoint seals an organization's log at
 * a size and head hash with the IdP signing key, so that anyone holding it — and the JWKS — detects
 * a later rewrite, truncation or full recomputation of the log, even by someone with database access.
 *
 * The signature is a compact JWS (`typ: audit-checkpoint`) whose payload is the RFC 8785 canonical
 * JSON of `{ organizationId, size, headHash, issuedAt }`.
 *
 * @module
 */
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose'
import type { Deps } from '../deps.js'
import { canonicalJson } from './canonical-json.js'
import { newId } from '../internal/crypto.js'
import type { AuditCheckpoint, AuditHead } from '../model.js'
import type { AuditCheckpointView } from './audit-schemas.js'
import { signJws } from '../tokens/jws.js'

/** JWS `typ` of checkpoint signatures. */
export const CHECKPOINT_TYP = 'audit-checkpoint'

/** The signed fields of a checkpoint, in canonical form. */
export function checkpointPayload(cp: { organizationId: string; size: number; headHash: string; issuedAt: Date | string }): string {
  const issuedAt = typeof cp.issuedAt === 'string' ? cp.issuedAt : cp.issuedAt.toISOString()
  return canonicalJson({ organizationId: cp.organizationId, size: cp.size, headHash: cp.headHash, issuedAt })
}

/** Signs a new checkpoint of `head` (not stored). */
export async function signCheckpoint(deps: Deps, organizationId: string, head: AuditHead): Promise<AuditCheckpoint> {
  const issuedAt = deps.clock()
  const payload = checkpointPayload({ organizationId, size: head.seq, headHash: head.hash, issuedAt })
  const signature = await signJws(await deps.keys.current(), { typ: CHECKPOINT_TYP }, JSON.parse(payload) as Record<string, unknown>)
  return { checkpointId: newId(), organizationId, size: head.seq, headHash: head.hash, issuedAt, signature }
}

/** JSON view of a checkpoint (SPEC §9). */
export function checkpointView(cp: AuditCheckpoint): AuditCheckpointView {
  return {
    checkpointId: cp.checkpointId,
    organizationId: cp.organizationId,
    size: cp.size,
    headHash: cp.headHash,
    issuedAt: cp.issuedAt.toISOString(),
    signature: cp.signature,
  }
}

/**
 * `true` when `cp.signature` is a valid JWS by a key of `jwks` whose payload is exactly the
 * checkpoint's own fields.
 */
export async function verifyCheckpointSignature(
  cp: { organizationId: string; size: number; headHash: string; issuedAt: Date | string; signature: string },
  jwks: JSONWebKeySet,
): Promise<boolean> {
  try {
    const { payload, protectedHeader } = await compactVerify(cp.signature, createLocalJWKSet(jwks), { algorithms: ['ES256'] })
    if (protectedHeader.typ !== CHECKPOINT_TYP) return false
    const signed = canonicalJson(JSON.parse(new TextDecoder().decode(payload)))
    return signed === checkpointPayload(cp)
  } catch {
    return false
  }
}
