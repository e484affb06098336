/**
 * Record → JSON view mappers (ISO-8601 times, computed DIDs). Response schemas in `schemas.ts`
 * describe exactly these shapes, so no stored field (like a secret digest) can leak.
 *
 * @module
 */
import type { Agent, AuditEvent, Credential, Organization, OrganizationMember } from './model.js'
import type { AgentView } from './agents/agent-schemas.js'
import type { AuditEventView } from './audit/audit-schemas.js'
import type { CredentialView } from './credentials/credential-schemas.js'
import type { MemberView, OrganizationView } from './organizations/organization-schemas.js'

const iso = (d: Date) => d.toISOString()

let lastIssuer: string | undefined
let lastHost = ''

/** The did:web host part of an issuer URL: host, with the port percent-encoded (`%3A`). */
export function didWebHost(issuer: string): string {
  // Every view of an agent names its DID: the issuer is parsed once, not per agent rendered.
  if (issuer === lastIssuer) return lastHost
  const url = new URL(issuer)
  lastHost = url.port === '' ? url.hostname : `${url.hostname}%3A${url.port}`
  lastIssuer = issuer
  return lastHost
}

/** `did:web:{host}:agents:{agentId}` (SPEC §7). */
export function agentDid(issuer: string, agentId: string): string {
  return `did:web:${didWebHost(issuer)}:agents:${agentId}`
}

export function organizationView(o: Organization): OrganizationView {
  return {
    organizationId: o.organizationId,
    name: o.name,
    slug: o.slug,
    planTier: o.planTier,
    maxAgents: o.maxAgents,
    status: o.status,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
  }
}

export function memberView(m: OrganizationMember): MemberView {
  return { organizationId: m.organizationId, agentId: m.agentId, role: m.role, createdAt: iso(m.createdAt) }
}

export function agentView(issuer: string, a: Agent): AgentView {
  return {
    agentId: a.agentId,
    organizationId: a.organizationId,
    name: a.name,
    email: a.email,
    agentType: a.agentType,
    version: a.version,
    capabilities: a.capabilities,
    owner: a.owner,
    deploymentEnv: a.deploymentEnv,
    description: a.description,
    scopes: a.scopes,
    isPublic: a.isPublic,
    status: a.status,
    did: agentDid(issuer, a.agentId),
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  }
}

export function credentialView(c: Credential): CredentialView {
  return {
    credentialId: c.credentialId,
    agentId: c.agentId,
    clientId: c.clientId,
    status: c.status,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    expiresAt: c.expiresAt === null ? null : iso(c.expiresAt),
    revokedAt: c.revokedAt === null ? null : iso(c.revokedAt),
  }
}

export function auditEventView(e: AuditEvent): AuditEventView {
  return { ...e, timestamp: iso(e.timestamp) }
}
