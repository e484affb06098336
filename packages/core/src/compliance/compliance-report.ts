/**
 * Compliance for the caller's organization (SPEC §11 Compliance): `GET /compliance/report`
 * (audit:read) checks every live agent's DID document and key, every active agent's card, and the
 * audit chain, and derives `agntcyConformance`; `GET /compliance/agent-cards` (agents:read) lists
 * the cards of the organization's agents.
 *
 * @module
 */
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { AgentCardView } from '../cards/card-schemas.js'
import { ComplianceAgentCardsQuery, type ComplianceReportView } from './compliance-schemas.js'
import { verifyAudit } from '../audit/verify-audit.js'
import { requireScope } from '../authz/scopes.js'
import { A2A_PROTOCOL_VERSION, agentCard } from '../cards/agent-card.js'
import { EXPIRY_WARNING_DAYS, expiresSoon } from './live-compliance.js'
import type { Deps } from '../deps.js'
import { agentDidDocument } from '../did/did-document.js'
import type { RequestContext } from '../context.js'
import { validate } from '../internal/validate.js'
import type { Agent, Page } from '../model.js'
import { agentDid } from '../views.js'
import { pageOf } from '../schema-kit.js'

const PAGE = 100
/** Ids listed per failed check, at most. */
const MAX_LISTED = 20
const cardCheck = TypeCompiler.Compile(AgentCardView)

async function* agentsOf(deps: Deps, organizationId: string): AsyncGenerator<Agent> {
  let cursor: string | undefined
  do {
    const page = await deps.storage.agents.list(organizationId, {}, { limit: PAGE, cursor })
    yield* page.items
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
}

/**
 * The caller organization's compliance report.
 *
 * @example
 * const { agntcyConformance, checks } = await idp.compliance.report(ctx)
 * @throws {IdpError} INSUFFICIENT_SCOPE without audit:read; RATE_LIMITED with the audit verification limit.
 */
export async function complianceReport(deps: Deps, ctx: RequestContext): Promise<ComplianceReportView> {
  requireScope(ctx, 'audit:read')
  const organizationId = ctx.auth.organizationId
  // A short cache: a report walks every agent and verifies the chain. A change in the organization
  // (any event committed in this process) or a compliance run (which may have found the chain
  // broken) ends it at once.
  if (!watching.has(deps)) {
    watching.add(deps)
    deps.events.onAny((event) => deps.state.complianceReports.delete(event.organizationId))
  }
  const cached = deps.state.complianceReports.get(organizationId)
  const generation = deps.state.compliance?.generation ?? 0
  if (cached !== undefined && cached.generation === generation && deps.clock().getTime() - cached.at < REPORT_CACHE_MS) return cached.report
  const report = await buildReport(deps, ctx, organizationId)
  if (deps.state.complianceReports.size >= MAX_CACHED_REPORTS) deps.state.complianceReports.clear()
  deps.state.complianceReports.set(organizationId, { report, at: deps.clock().getTime(), generation })
  return report
}

/** The IdPs whose events already end their cached reports. */
const watching = new WeakSet<Deps>()

/** How long a report is reused. */
export const REPORT_CACHE_MS = 30_000
const MAX_CACHED_REPORTS = 1000
/** Expiring credentials listed, at most. */
const MAX_EXPIRING_LISTED = 100

async function buildReport(deps: Deps, ctx: RequestContext, organizationId: string): Promise<ComplianceReportView> {
  const issuer = deps.opts.issuer
  const now = deps.clock()
  let total = 0
  let live = 0
  let active = 0
  let resolvable = 0
  let withKey = 0
  const unresolvable: string[] = []
  const withoutKey: string[] = []
  const badCards: string[] = []
  let activeCredentials = 0
  let expired = 0
  const expiringSoon: ComplianceReportView['credentials']['expiringSoon'] = []
  for await (const agent of agentsOf(deps, organizationId)) {
    total++
    if (agent.status === 'decommissioned') continue // deactivated on purpose: 410 is the correct answer
    live++
    for (const credential of await deps.storage.credentials.listByAgent(organizationId, agent.agentId)) {
      if (credential.status !== 'active') continue
      activeCredentials++
      if (credential.expiresAt !== null && credential.expiresAt <= now) expired++
      else if (expiresSoon(credential, now) && credential.expiresAt !== null && expiringSoon.length < MAX_EXPIRING_LISTED) {
        expiringSoon.push({ agentId: agent.agentId, credentialId: credential.credentialId, clientId: credential.clientId, expiresAt: credential.expiresAt.toISOString() })
      }
    }
    if (agent.status === 'active') active++
    const keys = await deps.storage.agentKeys.listByAgent(organizationId, agent.agentId, { activeOnly: true })
    const doc = agentDidDocument(issuer, agent, keys)
    const did = agentDid(issuer, agent.agentId)
    // Resolvable = what a did:web resolver would accept: the document id is the DID it asked for.
    if (doc.id === did && did.startsWith('did:web:')) resolvable++
    else if (unresolvable.length < MAX_LISTED) unresolvable.push(agent.agentId)
    if (doc.verificationMethod.length > 0) withKey++
    else if (agent.status === 'active' && withoutKey.length < MAX_LISTED) withoutKey.push(agent.agentId)
    if (agent.status === 'active' && !cardCheck.Check(agentCard(issuer, agent, now)) && badCards.length < MAX_LISTED) {
      badCards.push(agent.agentId)
    }
  }
  const chain = await verifyAudit(deps, ctx, {})
  const checks = [
    {
      id: 'did-resolvable',
      description: 'Every agent that is not decommissioned has a resolvable did:web document',
      passed: unresolvable.length === 0,
      details: { agents: live, resolvable, unresolvable },
    },
    {
      id: 'did-verification-key',
      description: 'Every active agent publishes at least one verification key in its DID document',
      passed: withoutKey.length === 0,
      details: { withoutKey },
    },
    {
      id: 'agent-card-complete',
      description: 'Every active agent has a complete AGNTCY agent card',
      passed: badCards.length === 0,
      details: { incomplete: badCards },
    },
    {
      id: 'audit-chain-integrity',
      description: "The organization's audit hash chain verifies up to its head (from the newest signed checkpoint, as GET /audit/verify)",
      passed: chain.verified,
      details: {
        checkedCount: chain.checkedCount,
        mode: chain.mode,
        checkpointSize: chain.checkpointSize,
        ...(chain.brokenAtEventId === undefined ? {} : { brokenAtEventId: chain.brokenAtEventId }),
      },
    },
  ]
  const warnings = [
    ...(expiringSoon.length > 0 ? [`${expiringSoon.length} active credential(s) expire within ${EXPIRY_WARNING_DAYS} days`] : []),
    ...(expired > 0 ? [`${expired} active credential(s) are past their expiry`] : []),
    ...(chain.verified ? [] : [`the audit chain does not verify${chain.brokenAtEventId === undefined ? '' : ` from event ${chain.brokenAtEventId}`}`]),
  ]
  return {
    organizationId,
    generatedAt: now.toISOString(),
    agents: { total, active, withResolvableDid: resolvable, withVerificationKey: withKey },
    auditChain: {
      verified: chain.verified,
      checkedCount: chain.checkedCount,
      headHash: chain.headHash,
      mode: chain.mode,
      checkpointSize: chain.checkpointSize,
      ...(chain.brokenAtEventId === undefined ? {} : { brokenAtEventId: chain.brokenAtEventId }),
    },
    credentials: { active: activeCredentials, expiringWithinDays: EXPIRY_WARNING_DAYS, expiringSoon, expired },
    agntcyConformance: checks.every((c) => c.passed),
    agntcySpecVersion: A2A_PROTOCOL_VERSION,
    warnings,
    checks,
  }
}

/**
 * `GET /compliance/agent-cards` (agents:read): the AGNTCY cards of the organization's agents,
 * ordered by creation (each card carries the agent's `status`).
 */
export async function listComplianceAgentCards(
  deps: Deps,
  ctx: RequestContext,
  query: ComplianceAgentCardsQuery,
): Promise<Page<AgentCardView>> {
  requireScope(ctx, 'agents:read')
  const q = validate(ComplianceAgentCardsQuery, query)
  const now = deps.clock()
  const page = await deps.storage.agents.list(ctx.auth.organizationId, {}, pageOf(q))
  return {
    items: page.items.map((a) => agentCard(deps.opts.issuer, a, now)),
    nextCursor: page.nextCursor,
  }
}
