/**
 * The dependencies every core operation receives from the composition root (`create-idp.ts`).
 * Plain data: no container, no globals.
 *
 * @module
 */
import type { AuditBatcher } from './audit/group-commit.js'
import type { AuditVerificationGate } from './audit/verification-gate.js'
import type { EventBus } from './internal/event-bus.js'
import type { Logger } from './logger.js'
import type { ResolvedIdpOptions } from './options.js'
import type { EphemeralStore } from './ports/ephemeral.js'
import type { KeyStore } from './ports/keys.js'
import type { Storage } from './ports/storage.js'

export interface Deps {
  readonly opts: ResolvedIdpOptions
  readonly storage: Storage
  readonly ephemeral: EphemeralStore
  readonly keys: KeyStore
  readonly log: Logger
  readonly clock: () => Date
  readonly events: EventBus
  /** Group commit for token and authentication audit events. */
  readonly auditBatcher: AuditBatcher
  /** Single flight and a server-wide cap for `GET /audit/verify`. */
  readonly auditVerification: AuditVerificationGate
}
