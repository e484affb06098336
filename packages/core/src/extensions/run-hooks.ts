/**
 * Runs extensions' policy hooks in order, awaited, and records refusals. A hook refuses by
 * throwing; the operation then changes nothing, and a `hook.vetoed` failure event — naming the
 * extension, the hook and the error code — is appended through group commit before the error goes
 * back to the caller. Notes returned by hooks are recorded in the audit event of the operation.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { toIdpError } from '../errors.js'
import type { AuditDetails, HookNote } from '../events.js'
import type { BeforeAgentCreate, BeforeRequest, BeforeTokenIssue, ExtensionHooks, HookResult, HookReturn } from './extension.js'

type HookName = keyof ExtensionHooks
type HookInput = { beforeTokenIssue: BeforeTokenIssue; beforeAgentCreate: BeforeAgentCreate; beforeRequest: BeforeRequest }

/** A hook refused the operation; carries the extension and what it threw. */
export class HookVeto extends Error {
  constructor(
    readonly hook: HookName,
    readonly extensionId: string,
    readonly error: unknown,
  ) {
    super(`${extensionId}.${hook} refused the operation`)
    this.name = 'HookVeto'
  }
}

/**
 * Runs every `name` hook with `input`, in extension order. Resolves with the notes hooks returned
 * (by extension id), or `undefined` when none did.
 * @throws {HookVeto} wrapping what the first refusing hook threw (later hooks do not run)
 */
export async function runHooks<H extends HookName>(
  deps: Pick<Deps, 'registry'>,
  name: H,
  input: HookInput[H],
): Promise<Record<string, HookNote> | undefined> {
  let notes: Record<string, HookNote> | undefined
  for (const { owner, hook } of deps.registry.hooks(name)) {
    let result: HookResult
    try {
      result = (await (hook as (i: HookInput[H]) => HookReturn)(input)) ?? undefined
    } catch (err) {
      throw new HookVeto(name, owner, err)
    }
    if (result !== undefined && result !== null && 'note' in result) (notes ??= {})[owner] = result.note
  }
  return notes
}

/** Where a refused operation is audited. */
export interface VetoRecord {
  organizationId: string
  actor: string
  agentId?: string | null
  ip?: string | null | undefined
  operation: string
  extra?: Pick<AuditDetails['hook.vetoed'], 'clientId' | 'grantType' | 'scope'>
}

/**
 * Appends the `hook.vetoed` event of `veto` (group commit, durable before it resolves), then throws
 * what the hook threw (an `IdpError` as is; anything else becomes a non-exposed INTERNAL).
 * Call it outside any open transaction.
 */
export async function recordVeto(deps: Pick<Deps, 'auditBatcher'>, veto: HookVeto, where: VetoRecord): Promise<never> {
  const error = toIdpError(veto.error)
  await deps.auditBatcher.append({
    organizationId: where.organizationId,
    action: 'hook.vetoed',
    outcome: 'failure',
    actor: where.actor,
    agentId: where.agentId ?? null,
    ip: where.ip,
    details: { hook: veto.hook, extensionId: veto.extensionId, code: error.code, operation: where.operation, ...where.extra },
  })
  throw error
}
