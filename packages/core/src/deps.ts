/**
 * The dependencies every core operation receives from the composition root (`create-idp.ts`).
 * Plain data: no container, no globals. Everything an IdP owns — its registries, its job runner,
 * its memos — lives here, so that two IdPs in one process share nothing.
 *
 * @module
 */
import type { AuditBatcher } from './audit/group-commit.js'
import type { ExtensionRegistry } from './extensions/registry.js'
import type { AuditVerificationGate } from './audit/verification-gate.js'
import type { EventBus } from './internal/event-bus.js'
import type { JobRunner } from './jobs/job-runner.js'
import type { Logger } from './logger.js'
import type { AuditEvent } from './model.js'
import type { ResolvedIdpOptions } from './context.js'
import type { EphemeralStore } from './ports/ephemeral.js'
import type { KeyStore } from './ports/keys.js'
import type { SecretStore } from './ports/secrets.js'
import type { Storage, StorageTx } from './ports/storage.js'
import type { IdpState } from './idp-state.js'

export interface Deps {
  readonly opts: ResolvedIdpOptions
  readonly storage: Storage
  readonly ephemeral: EphemeralStore
  readonly keys: KeyStore
  readonly secrets: SecretStore
  readonly log: Logger
  readonly clock: () => Date
  readonly events: EventBus
  /** Group commit for token and authentication audit events. */
  readonly auditBatcher: AuditBatcher
  /** Scopes, audit actions, error codes, grants, validators, hooks: core's and the extensions'. */
  readonly registry: ExtensionRegistry
  /** The one job runner (`jobs.every`). */
  readonly jobs: JobRunner
  /** Transactions opened by `withAudit`, with the events recorded in them (emitted after commit). */
  readonly openTransactions: WeakMap<StorageTx, AuditEvent[]>
  /** Per-IdP memos (verified tokens, liveness, key sets). */
  readonly state: IdpState
  /** Single flight and a server-wide cap for `GET /audit/verify`. */
  readonly auditVerification: AuditVerificationGate
}
