/**
 * Builds the {@link ExtensionApi} an extension's `init()` receives: core's ports, transactions
 * whose audit events are emitted after commit, the outbox, the system and principal contexts, and
 * the job runner. Names an extension creates (audit actions, consumers, jobs) carry its id as
 * prefix, so that two extensions can never collide or act under each other's name.
 *
 * @module
 */
import { consumeAudit } from '../audit/consume-audit.js'
import { recordInTransaction, withAudit } from '../audit/with-audit.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { AuditEventOf } from '../events.js'
import type { Idp } from '../idp.js'
import { principalContext, systemContext } from './contexts.js'
import type { AuditConsumer, ExtensionApi, IdpExtension } from './extension.js'

function ownName(ext: IdpExtension, what: string, name: string): void {
  if (typeof name !== 'string' || !name.startsWith(`${ext.id}.`) || name.length <= ext.id.length + 1) {
    throw new IdpError('CONFIG_INVALID', `${ext.id}: ${what} ${JSON.stringify(name)} must be prefixed with "${ext.id}."`)
  }
}

/** The api of `ext` over `deps`; `onConsumer` collects consumers so that `idp.close()` stops them. */
export function createExtensionApi(deps: Deps, idp: Idp, ext: IdpExtension, onConsumer: (c: AuditConsumer) => void): ExtensionApi {
  const consumerIds = new Set<string>()
  return Object.freeze({
    id: ext.id,
    idp,
    storage: deps.storage,
    ephemeral: deps.ephemeral,
    secrets: deps.secrets,
    log: deps.log.child({ extension: ext.id }),
    clock: deps.clock,
    on: idp.on,
    transaction: (work) => withAudit(deps, (tx) => work(tx)),
    audit: {
      async record(tx, input) {
        // An extension records its own actions only: core's actions mean what core did.
        ownName(ext, 'audit action', input.action)
        return (await recordInTransaction(deps, tx, input)) as unknown as AuditEventOf
      },
      consume(consumerId, handler, options) {
        ownName(ext, 'consumer id', consumerId)
        if (consumerIds.has(consumerId)) throw new IdpError('CONFIG_INVALID', `${ext.id}: consumer ${consumerId} is started twice`)
        consumerIds.add(consumerId)
        const consumer = consumeAudit(deps, consumerId, handler, options)
        onConsumer(consumer)
        return consumer
      },
    },
    systemContext: (organizationId, reason) => systemContext(deps, ext, organizationId, reason),
    principalContext: (input) => principalContext(deps, ext, input),
    jobs: {
      every(name, intervalMs, fn, options) {
        ownName(ext, 'job', name)
        deps.jobs.every(name, intervalMs, fn, options)
      },
    },
  } satisfies ExtensionApi)
}
