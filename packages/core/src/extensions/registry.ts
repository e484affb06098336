/**
 * The per-IdP registries that extensions join: scopes, audit actions, error codes, grant types,
 * subject-token validators, principal kinds and hooks. Built once by `createIdp()` from core's own
 * entries and the extensions, validated with every problem listed, then frozen. It lives in the
 * IdP's `Deps`; nothing here is module-level state.
 *
 * @module
 */
import { ERROR_CODES, IdpError, type ErrorCodeSpec } from '../errors.js'
import { AUDIT_ACTIONS } from '../events.js'
import { SCOPES } from '../model.js'
import type { ExtensionHooks, GrantHandler, IdpExtension, SubjectTokenValidator } from './extension.js'

/** Owner of a registry entry: `core` or an extension id. */
export type Owner = string

/** A registered grant or validator with the extension that brought it. */
export interface Owned<T> {
  readonly owner: Owner
  readonly entry: T
}

/** What one IdP knows. */
export interface ExtensionRegistry {
  /** Extensions in the order they were given (hook order). */
  readonly extensions: readonly IdpExtension[]
  /** Every scope: core's first, then each extension's. */
  readonly scopes: readonly string[]
  isScope(scope: string): boolean
  /** Every audit action: core's and the extensions'. */
  readonly auditActions: ReadonlySet<string>
  /** Every error code with its row: core's and the extensions'. */
  readonly errorCodes: Readonly<Record<string, ErrorCodeSpec>>
  /** Grant types of the token endpoint, in registration order. */
  readonly grants: ReadonlyMap<string, Owned<GrantHandler>>
  /** Token-exchange validators, in registration order. */
  readonly subjectTokenValidators: readonly Owned<SubjectTokenValidator>[]
  /** Principal kinds, with the extension that authenticates them. */
  readonly principalKinds: ReadonlyMap<string, Owner>
  /** Hooks of one kind, in extension order. */
  hooks<H extends keyof ExtensionHooks>(name: H): readonly { owner: Owner; hook: NonNullable<ExtensionHooks[H]> }[]
  /** The extension with this id. */
  extension(id: string): IdpExtension | undefined
}

const ID = /^[a-z][a-z0-9-]{0,31}$/
const SCOPE = /^[a-z][a-z0-9_-]*:[a-z0-9_*.-]+$/
const ACTION_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/
const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/
const RESERVED_IDS = new Set(['core', 'system', 'agent'])

/** What core registers itself before the extensions (its grants and its delegation validator). */
export interface CoreEntries {
  grants: readonly GrantHandler[]
  subjectTokenValidators: readonly SubjectTokenValidator[]
}

/**
 * Builds and validates the registry.
 * @throws {IdpError} CONFIG_INVALID listing every problem (bad or duplicate ids, unprefixed or
 *   duplicate audit actions, colliding scopes, codes, grant types or principal kinds).
 */
export function buildRegistry(core: CoreEntries, extensions: readonly IdpExtension[]): ExtensionRegistry {
  const problems: string[] = []
  const ids = new Set<string>()
  const scopes: string[] = [...SCOPES]
  const scopeSet = new Set<string>(SCOPES)
  const actions = new Set<string>(AUDIT_ACTIONS)
  const errorCodes: Record<string, ErrorCodeSpec> = { ...ERROR_CODES }
  const codeOwner = new Map<string, Owner>(Object.keys(ERROR_CODES).map((c) => [c, 'core']))
  const grants = new Map<string, Owned<GrantHandler>>()
  const validators: Owned<SubjectTokenValidator>[] = []
  const principalKinds = new Map<string, Owner>()

  const addGrant = (owner: Owner, g: GrantHandler) => {
    if (typeof g.grantType !== 'string' || g.grantType === '') problems.push(`${owner}: a grant has no grantType`)
    else if (grants.has(g.grantType)) problems.push(`${owner}: grant type ${g.grantType} is already registered by ${grants.get(g.grantType)?.owner}`)
    else grants.set(g.grantType, { owner, entry: g })
    if (g.clientAuthentication !== 'required' && g.clientAuthentication !== 'optional') {
      problems.push(`${owner}: grant ${g.grantType} must set clientAuthentication to required or optional`)
    }
  }
  const addValidator = (owner: Owner, v: SubjectTokenValidator) => {
    if (!Array.isArray(v.tokenTypes) || v.tokenTypes.length === 0) problems.push(`${owner}: a subject-token validator lists no tokenTypes`)
    if (v.clientAuthentication !== 'required' && v.clientAuthentication !== 'optional') {
      problems.push(`${owner}: a subject-token validator must set clientAuthentication to required or optional`)
    }
    validators.push({ owner, entry: v })
  }
  for (const g of core.grants) addGrant('core', g)
  for (const v of core.subjectTokenValidators) addValidator('core', v)

  for (const ext of extensions) {
    const id: unknown = ext.id
    if (typeof id !== 'string' || !ID.test(id) || RESERVED_IDS.has(id)) {
      problems.push(`extension id ${JSON.stringify(id)} must match ${String(ID)} and not be core, system or agent`)
      continue
    }
    if (ids.has(id)) {
      problems.push(`extension ${id} is given twice`)
      continue
    }
    ids.add(id)
    for (const scope of ext.scopes ?? []) {
      if (!SCOPE.test(scope)) problems.push(`${id}: scope ${JSON.stringify(scope)} must look like resource:action`)
      else if (scopeSet.has(scope)) problems.push(`${id}: scope ${scope} is already registered`)
      else {
        scopeSet.add(scope)
        scopes.push(scope)
      }
    }
    for (const action of ext.auditActions ?? []) {
      // Prefixing by the extension id keeps every action's owner obvious and collisions impossible.
      if (!action.startsWith(`${id}.`) || !ACTION_NAME.test(action)) {
        problems.push(`${id}: audit action ${JSON.stringify(action)} must be ${id}.<name> (lower-case)`)
      } else if (actions.has(action)) problems.push(`${id}: audit action ${action} is given twice`)
      else actions.add(action)
    }
    for (const [code, spec] of Object.entries(ext.errorCodes ?? {})) {
      if (!ERROR_CODE.test(code)) problems.push(`${id}: error code ${JSON.stringify(code)} must be UPPER_SNAKE`)
      else if (codeOwner.has(code)) problems.push(`${id}: error code ${code} is already defined by ${codeOwner.get(code)}`)
      else if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
        problems.push(`${id}: error code ${code} needs a 4xx or 5xx status`)
      } else {
        codeOwner.set(code, id)
        errorCodes[code] = Object.freeze({ ...spec })
      }
    }
    for (const g of ext.grants ?? []) addGrant(id, g)
    for (const v of ext.subjectTokenValidators ?? []) addValidator(id, v)
    for (const kind of ext.principalKinds ?? []) {
      if (!ID.test(kind) || RESERVED_IDS.has(kind)) problems.push(`${id}: principal kind ${JSON.stringify(kind)} is invalid or reserved`)
      else if (principalKinds.has(kind)) problems.push(`${id}: principal kind ${kind} is already declared by ${principalKinds.get(kind)}`)
      else principalKinds.set(kind, id)
    }
    for (const [name, hook] of Object.entries(ext.hooks ?? {})) {
      if (!['beforeTokenIssue', 'beforeAgentCreate', 'beforeRequest'].includes(name)) problems.push(`${id}: unknown hook ${name}`)
      else if (typeof hook !== 'function') problems.push(`${id}: hook ${name} must be a function`)
    }
    if (ext.storage !== undefined && ext.storage.id !== id) problems.push(`${id}: its storage extension must have the id ${id}`)
  }
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', `Invalid extensions: ${problems.join('; ')}`)

  const byId = new Map(extensions.map((e) => [e.id, e]))
  const hookLists = new Map<string, { owner: Owner; hook: unknown }[]>()
  for (const name of ['beforeTokenIssue', 'beforeAgentCreate', 'beforeRequest'] as const) {
    hookLists.set(
      name,
      extensions.flatMap((e) => {
        const hook = e.hooks?.[name]
        return hook === undefined ? [] : [{ owner: e.id, hook: hook.bind(e.hooks) }]
      }),
    )
  }
  return Object.freeze({
    extensions: Object.freeze([...extensions]),
    scopes: Object.freeze(scopes),
    isScope: (scope: string) => scopeSet.has(scope),
    auditActions: actions,
    errorCodes: Object.freeze(errorCodes),
    grants,
    subjectTokenValidators: Object.freeze(validators),
    principalKinds,
    hooks: <H extends keyof ExtensionHooks>(name: H) =>
      (hookLists.get(name) ?? []) as { owner: Owner; hook: NonNullable<ExtensionHooks[H]> }[],
    extension: (id: string) => byId.get(id),
  })
}
