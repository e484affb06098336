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
import type { AuditAction } from './events.js'
import type { Idp } from './idp.js'
import { createEventBus } from './internal/event-bus.js'
import { listenForKeyRotations, rotateSigningKey, rotateSigningKeyIfDue } from './keys/rotate-signing-key.js'
import { listenForLivenessChanges } from './tokens/liveness-memo.js'
import { randomToken } from './internal/crypto.js'
import { createLocalKeyStore } from './memory/local-key-store.js'
import { createMemoryEphemeralStore } from './memory/memory-ephemeral-store.js'
import { createMemoryStorage } from './memory/memory-storage.js'
import { introspectToken } from './oauth/introspect.js'
import { revokeToken } from './oauth/revoke.js'
import { handleTokenRequest } from './oauth/token-endpoint.js'
import { resolveOptions, type IdpOptions } from './options.js'
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
  const storage = opts.storage ?? (warnDev('storage'), createMemoryStorage())
  const ephemeral = opts.ephemeral ?? createMemoryEphemeralStore()
  const keys =
    opts.keys ??
    (warnDev('keys'),
    createLocalKeyStore({ storage, masterKey: randomToken(32), clock: opts.clock, logger: log }))
  const base = { opts, storage, ephemeral, keys, log, clock: opts.clock, events: createEventBus(log) }
  const auditBatcher = createAuditBatcher({
    storage,
    clock: opts.clock,
    onCommitted: (events) => {
      for (const e of events) base.events.emit(e.action as AuditAction, e)
    },
  })
  const deps: Deps = { ...base, auditBatcher, auditVerification: createAuditVerificationGate() }

  const stopKeyListener = listenForKeyRotations(deps)
  const stopLivenessListener = listenForLivenessChanges(deps)

  return {
    options: opts,
    organizations: {
      create: (ctx, input) => createOrganization(deps, ctx, input),
      list: (ctx, query) => listOrganizations(deps, ctx, query),
      get: (ctx, id) => getOrganization(deps, ctx, id),
      update: (ctx, id, input) => updateOrganization(deps, ctx, id, input),
      delete: (ctx, id) => deleteOrganization(deps, ctx, id),
      addMember: (ctx, id, input) => addMember(deps, ctx, id, input),
      listMembers: (ctx, id) => listMembers(deps, ctx, id),
      removeMember: (ctx, id, agentId) => removeMember(deps, ctx, id, agentId),
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
      controls: () => complianceControls(),
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
    authenticate: (authorization) =>
      authenticateBearer(
        deps,
        authorization !== undefined && /^bearer\s/i.test(authorization) ? bearerFromHeader(authorization) : authorization,
      ),
    requireScope,
    agentInfo: (ctx) => agentInfo(deps, ctx),
    discovery: () => discoveryDocument(opts.issuer),
    jwks: async () => ({ keys: await keys.publicKeys() }),
    bootstrap: (input) => bootstrap(deps, input),
    on: (event, listener) => deps.events.on(event, listener),
    health: () => healthReport(deps),
    signingKeys: {
      rotate: (ctx) => rotateSigningKey(deps, ctx),
      rotateIfDue: (options) => rotateSigningKeyIfDue(deps, options),
    },
    close: async () => {
      // Graceful shutdown: every queued audit event is committed before the ports close.
      await deps.auditBatcher.drain()
      await stopKeyListener()
      await stopLivenessListener()
      await ephemeral.close()
      await storage.close()
    },
  }
}
