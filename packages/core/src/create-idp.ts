/**
 * The composition root: resolve options, wire the ports, return the {@link Idp}. No container,
 * just arguments.
 *
 * @module
 */
import { agentInfo } from './agent-info.js'
import { decommissionAgent } from './agents/decommission-agent.js'
import { getAgent, listAgents } from './agents/read-agents.js'
import { registerAgent } from './agents/register-agent.js'
import { updateAgent } from './agents/update-agent.js'
import {
  auditEventProof,
  checkpointAllOrganizations,
  checkpointOfSize,
  createCheckpoint,
  exportAudit,
  latestCheckpoint,
} from './audit/checkpoint-operations.js'
import { createAuditBatcher } from './audit/group-commit.js'
import { DEFAULT_AUDIT_RETENTION_DAYS, purgeExpiredAudit } from './audit/retention.js'
import { listAudit } from './audit/read-audit.js'
import { createAuditVerificationGate } from './audit/verification-gate.js'
import { verifyAudit } from './audit/verify-audit.js'
import { addAgentKey } from './agent-keys/add-agent-key.js'
import { listAgentKeys, removeAgentKey } from './agent-keys/manage-agent-keys.js'
import { getAgentCard } from './cards/get-agent-card.js'
import { complianceControls } from './compliance/compliance-controls.js'
import { complianceReport, listComplianceAgentCards } from './compliance/compliance-report.js'
import { latestComplianceRun, liveComplianceControls, runComplianceChecks } from './compliance/live-compliance.js'
import { getAgentDidDocument, getInstanceDidDocument, resolveAgentDid } from './did/resolve-agent-did.js'
import { getMarketplaceAgent, searchMarketplace } from './marketplace/search-marketplace.js'
import { requireScope } from './authz/scopes.js'
import { bootstrap } from './bootstrap.js'
import { generateCredential } from './credentials/generate-credential.js'
import { listCredentials, revokeCredential, rotateCredential } from './credentials/manage-credentials.js'
import type { Deps } from './deps.js'
import { createDelegation } from './delegation/create-delegation.js'
import { revokeDelegation } from './delegation/revoke-delegation.js'
import { verifyDelegation } from './delegation/verify-delegation.js'
import { discoveryDocument } from './discovery/discovery-document.js'
import { healthReport } from './health.js'
import { createDelegationValidator } from './delegation/delegation-validator.js'
import type { ExtensionApi, IdpExtension } from './extensions/extension.js'
import { createExtensionApi } from './extensions/extension-api.js'
import { buildRegistry } from './extensions/registry.js'
import { HookVeto, recordVeto, runHooks } from './extensions/run-hooks.js'
import type { Idp } from './idp.js'
import { createIdpState } from './idp-state.js'
import { createEventBus } from './internal/event-bus.js'
import { createJobRunner } from './jobs/job-runner.js'
import { listenForKeyRotations, rotateSigningKey, rotateSigningKeyIfDue } from './keys/rotate-signing-key.js'
import { listenForLivenessChanges } from './tokens/liveness-memo.js'
import { randomToken } from './internal/crypto.js'
import { createLocalKeyStore } from './memory/local-key-store.js'
import { createMemoryEphemeralStore } from './memory/memory-ephemeral-store.js'
import { createMemorySecretStore } from './memory/memory-secret-store.js'
import { createMemoryStorage } from './memory/memory-storage.js'
import { clientCredentialsGrant } from './oauth/grants/client-credentials.js'
import { createTokenExchangeGrant } from './oauth/grants/token-exchange.js'
import { introspectToken } from './oauth/introspect.js'
import { revokeToken } from './oauth/revoke.js'
import { handleTokenRequest } from './oauth/token-endpoint.js'
import { isBearer } from './oauth/http-auth.js'
import type { Storage } from './ports/storage.js'
import { setOrganizationPlan } from './organizations/set-plan.js'
import { resolveOptions, type IdpOptions } from './options.js'
import { IdpError } from './errors.js'
import { createOrganization } from './organizations/create-organization.js'
import { addMember, listMembers, removeMember } from './organizations/members.js'
import { getOrganization, listOrganizations } from './organizations/read-organizations.js'
import { deleteOrganization, updateOrganization } from './organizations/update-organization.js'
import { authenticateBearer, bearerFromHeader } from './tokens/verify-access-token.js'

/**
 * Creates an identity provider. Ports left out fall back to development defaults (memory storage,
 * in-process ephemeral store, a local key store with a throw-away master key), each warning once.
 *
 * @example
 * const idp = createIdp({ issuer: 'https://idp.example.com', storage, keys })
 * const { clientId, clientSecret } = await idp.bootstrap()
 * @throws {IdpError} CONFIG_INVALID listing every problem with the options.
 */
export function createIdp(options: IdpOptions): Idp {
  const opts = resolveOptions(options)
  const log = opts.logger.child({ component: 'idp' })
  const warnDev = (what: string) => log.warn({ event: 'dev_default', what }, `${what}: development default in use, not for production`)
  const extensions = Object.freeze([...(options.extensions ?? [])])
  const storage =
    opts.storage ?? (warnDev('storage'), createMemoryStorage({ extensions: extensions.flatMap((e) => (e.storage === undefined ? [] : [e.storage])) }))
  assertStorageExtensions(storage, extensions)
  const ephemeral = opts.ephemeral ?? createMemoryEphemeralStore()
  const keys =
    opts.keys ??
    (warnDev('keys'),
    createLocalKeyStore({ storage, masterKey: randomToken(32), clock: opts.clock, logger: log }))
  const secrets = opts.secrets ?? createMemorySecretStore()
  const events = createEventBus(log)
  // The registry is built before the deps that hold it; the delegation validator reads them at use.
  const depsOf = (): Deps => deps
  const registry = buildRegistry(
    {
      grants: [clientCredentialsGrant, createTokenExchangeGrant(() => registry.subjectTokenValidators)],
      subjectTokenValidators: [createDelegationValidator(opts.issuer, depsOf)],
    },
    extensions,
  )
  const auditBatcher = createAuditBatcher({
    storage,
    clock: opts.clock,
    isKnownAction: (a) => registry.auditActions.has(a),
    onCommitted: (committed) => {
      for (const e of committed) events.emit(e)
    },
  })
  const deps: Deps = {
    opts,
    storage,
    ephemeral,
    keys,
    secrets,
    log,
    clock: opts.clock,
    events,
    auditBatcher,
    registry,
    jobs: createJobRunner({ storage, clock: opts.clock, log: log.child({ component: 'jobs' }) }),
    openTransactions: new WeakMap(),
    state: createIdpState(),
    auditVerification: createAuditVerificationGate(),
  }
  const consumers: { stop(): Promise<void> }[] = []

  const stopKeyListener = listenForKeyRotations(deps)
  const stopLivenessListener = listenForLivenessChanges(deps)

  const idp: Idp = {
    options: opts,    organizations: {
      create: (ctx, input) => createOrganization(deps, ctx, input),
      list: (ctx, query) => listOrganizations(deps, ctx, query),
      get: (ctx, id) => getOrganization(deps, ctx, id),
      update: (ctx, id, input) => updateOrganization(deps, ctx, id, input),
      delete: (ctx, id) => deleteOrganization(deps, ctx, id),
      addMember: (ctx, id, input) => addMember(deps, ctx, id, input),
      listMembers: (ctx, id) => listMembers(deps, ctx, id),
      removeMember: (ctx, id, agentId) => removeMember(deps, ctx, id, agentId),
      setPlan: (ctx, id, planTier) => setOrganizationPlan(deps, ctx, id, planTier),
    },
    agents: {
      register: (ctx, input) => registerAgent(deps, ctx, input),
      list: (ctx, query) => listAgents(deps, ctx, query),
      get: (ctx, id) => getAgent(deps, ctx, id),
      update: (ctx, id, input) => updateAgent(deps, ctx, id, input),
      decommission: (ctx, id) => decommissionAgent(deps, ctx, id),
    },
    credentials: {
      generate: (ctx, agentId, input) => generateCredential(deps, ctx, agentId, input),
      list: (ctx, agentId) => listCredentials(deps, ctx, agentId),
      rotate: (ctx, agentId, id) => rotateCredential(deps, ctx, agentId, id),
      revoke: (ctx, agentId, id) => revokeCredential(deps, ctx, agentId, id),
    },
    delegation: {
      create: (ctx, input) => createDelegation(deps, ctx, input),
      verify: (ctx, input) => verifyDelegation(deps, ctx, input),
      revoke: (ctx, chainId) => revokeDelegation(deps, ctx, chainId),
    },
    oauth: {
      token: (req) => handleTokenRequest(deps, req),
      introspect: (req) => introspectToken(deps, req),
      revoke: (req) => revokeToken(deps, req),
    },
    agentKeys: {
      add: (ctx, agentId, input) => addAgentKey(deps, ctx, agentId, input),
      list: (ctx, agentId) => listAgentKeys(deps, ctx, agentId),
      remove: (ctx, agentId, kid) => removeAgentKey(deps, ctx, agentId, kid),
    },
    dids: {
      agentDocument: (agentId) => getAgentDidDocument(deps, agentId),
      resolve: (agentId) => resolveAgentDid(deps, agentId),
      instanceDocument: () => getInstanceDidDocument(deps),
    },
    agentCards: { get: (ctx, agentId, query) => getAgentCard(deps, ctx, agentId, query) },
    marketplace: {
      search: (query) => searchMarketplace(deps, query),
      get: (agentId) => getMarketplaceAgent(deps, agentId),
    },
    compliance: {
      report: (ctx) => complianceReport(deps, ctx),
      agentCards: (ctx, query) => listComplianceAgentCards(deps, ctx, query),
      controls: () => liveComplianceControls(deps),
      catalogue: () => complianceControls(),
      runChecks: (environment, signal) => runComplianceChecks(deps, environment, signal),
      latestRun: () => latestComplianceRun(deps),
    },
    audit: {
      list: (ctx, query) => listAudit(deps, ctx, query),
      verify: (ctx, query) => verifyAudit(deps, ctx, query),
      createCheckpoint: (ctx) => createCheckpoint(deps, ctx),
      latestCheckpoint: (ctx) => latestCheckpoint(deps, ctx),
      checkpointOfSize: (ctx, size) => checkpointOfSize(deps, ctx, size),
      proof: (ctx, eventId, size) => auditEventProof(deps, ctx, eventId, size),
      export: (ctx, range) => exportAudit(deps, ctx, range),
      checkpointAll: () => checkpointAllOrganizations(deps),
      purgeExpired: (days = DEFAULT_AUDIT_RETENTION_DAYS) => purgeExpiredAudit(deps, days),
    },
    authenticate: (authorization) => authenticateBearer(deps, isBearer(authorization) ? bearerFromHeader(authorization) : authorization),
    requireScope,
    beforeRequest: async (ctx, request) => {
      try {
        await runHooks(deps, 'beforeRequest', { ctx, method: request.method, route: request.route })
      } catch (err) {
        if (!(err instanceof HookVeto)) throw err
        await recordVeto(deps, err, {
          organizationId: ctx.auth.organizationId,
          actor: ctx.auth.agentId,
          agentId: ctx.auth.principal === undefined || ctx.auth.principal.kind === 'agent' ? ctx.auth.agentId : null,
          ip: ctx.ip,
          operation: `${request.method} ${request.route}`,
        })
      }
    },
    registry: {
      scopes: registry.scopes,
      auditActions: [...registry.auditActions],
      errorCodes: registry.errorCodes,
      grantTypes: [...registry.grants.keys()],
      extensions: registry.extensions.map((e) => e.id),
    },
    jobs: {
      every: (name, intervalMs, fn, jobOptions) => deps.jobs.every(name, intervalMs, fn, jobOptions),
      runDue: () => deps.jobs.runDue(),
    },
    ready: () => ready,
    agentInfo: (ctx) => agentInfo(deps, ctx),
    discovery: () => discoveryDocument(opts.issuer, registry),
    jwks: async () => ({ keys: await keys.publicKeys() }),
    bootstrap: (input) => bootstrap(deps, input),
    on: (event, listener) => deps.events.on(event, listener),
    health: () => healthReport(deps),
    signingKeys: {
      rotate: (ctx) => rotateSigningKey(deps, ctx),
      rotateIfDue: (options) => rotateSigningKeyIfDue(deps, options),
    },
    close: async () => {
      // Graceful shutdown: extensions finish starting, background work stops (waiting for what
      // runs), every queued audit event is committed, then the ports close.
      await ready.catch(() => undefined)
      await Promise.all(consumers.map((c) => c.stop()))
      await deps.jobs.close()
      await deps.auditBatcher.drain()
      await stopKeyListener()
      await stopLivenessListener()
      await ephemeral.close()
      await storage.close()
    },
  }

  const apis = new Map<string, ExtensionApi>(
    extensions.map((ext) => [ext.id, createExtensionApi(deps, idp, ext, (consumer) => consumers.push(consumer))]),
  )
  // Extensions start in order; `idp.ready()` settles once every init did (or one failed).
  const ready = (async () => {
    for (const ext of extensions) await ext.init?.(apis.get(ext.id) as ExtensionApi)
  })()
  ready.catch((err: unknown) => log.error({ err }, 'an extension failed to start'))
  return idp
}

/**
 * Every extension with tables must find them in the storage.
 * @throws {IdpError} CONFIG_INVALID naming each missing one
 */
function assertStorageExtensions(storage: Storage, extensions: readonly IdpExtension[]): void {
  const missing = extensions.filter((e) => {
    if (e.storage === undefined) return false
    try {
      storage.ext(e.id as never)
      return false
    } catch {
      return true
    }
  })
  if (missing.length > 0) {
    throw new IdpError(
      'CONFIG_INVALID',
      `The storage was created without the storage extensions of: ${missing.map((e) => e.id).join(', ')} (pass them to the storage factory's extensions)`,
    )
  }
}
