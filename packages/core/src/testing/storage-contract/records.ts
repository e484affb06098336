/**
 * Record builders and helpers shared by the sections of the storage contract suite. Every builder
 * returns a complete record with a random id, fixed millisecond-precision times and non-trivial
 * values for every field (nulls, arrays, JSON, booleans), so that a round trip proves each column.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { IdpError, type IdpErrorCode } from '../../errors.js'
import type {
  Agent,
  AuditEvent,
  AuditHead,
  Credential,
  Organization,
  OrganizationMember,
  Page,
  RevokedToken,
  SigningKeyRecord,
} from '../../model.js'

/** 2025-01-02T03:04:05.678Z: a fixed instant with non-zero milliseconds. */
const BASE_MS = Date.UTC(2025, 0, 2, 3, 4, 5, 678)

/** The instant `offsetMs` after the suite's fixed base time. */
export function at(offsetMs: number): Date {
  return new Date(BASE_MS + offsetMs)
}

/** The `prevHash` of the first link of every chain. */
export const GENESIS_HASH = '0'.repeat(64)

/** Hex SHA-256 of a UTF-8 string. */
export function sha256(input: string): string {
  return createHash('sha256').update(input).digest('hex')
}

export function newOrganization(overrides: Partial<Organization> = {}): Organization {
  const id = randomUUID()
  return {
    organizationId: id,
    name: `Org ${id.slice(0, 8)}`,
    slug: `org-${id}`,
    planTier: 'pro',
    maxAgents: 25,
    status: 'active',
    createdAt: at(0),
    updatedAt: at(1),
    ...overrides,
  }
}

export function newMember(organizationId: string, overrides: Partial<OrganizationMember> = {}): OrganizationMember {
  return { organizationId, agentId: randomUUID(), role: 'member', createdAt: at(2), ...overrides }
}

export function newAgent(organizationId: string, overrides: Partial<Agent> = {}): Agent {
  const id = randomUUID()
  return {
    agentId: id,
    organizationId,
    name: `agent-${id.slice(0, 8)}`,
    email: `${id}@agents.example`,
    agentType: 'screener',
    version: '1.2.3',
    capabilities: ['resume:read', 'email:send'],
    owner: 'team-hiring',
    deploymentEnv: 'production',
    description: 'Screens résumés ✓',
    scopes: ['agents:read', 'tokens:read'],
    isPublic: true,
    status: 'active',
    createdAt: at(10),
    updatedAt: at(11),
    ...overrides,
  }
}

export function newCredential(
  organizationId: string,
  agentId: string,
  overrides: Partial<Credential> = {},
): Credential {
  return {
    credentialId: randomUUID(),
    organizationId,
    agentId,
    clientId: `client-${randomUUID()}`,
    secretHash: sha256(randomUUID()),
    generation: 1,
    status: 'active',
    createdAt: at(20),
    updatedAt: at(21),
    expiresAt: at(86_400_000),
    revokedAt: null,
    ...overrides,
  }
}

export function newSigningKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = randomUUID()
  return {
    kid,
    alg: 'ES256',
    publicJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid }),
    encryptedPrivateJwk: `${randomUUID()}${randomUUID()}`.replaceAll('-', ''),
    status: 'current',
    createdAt: at(30),
    notAfter: null,
    ...overrides,
  }
}

export function newRevokedToken(organizationId: string, overrides: Partial<RevokedToken> = {}): RevokedToken {
  return { jti: randomUUID(), organizationId, expiresAt: at(3_600_000), revokedAt: at(40), ...overrides }
}

/**
 * A `link` function for `audit.append`: extends `head` by one event whose hash is
 * SHA-256(organizationId | seq | prevHash). `fields` overrides the descriptive fields.
 */
export function auditLink(
  organizationId: string,
  fields: Partial<Omit<AuditEvent, 'seq' | 'prevHash' | 'hash' | 'organizationId'>> = {},
): (head: AuditHead | null) => AuditEvent {
  return (head) => {
    const seq = (head?.seq ?? 0) + 1
    const prevHash = head?.hash ?? GENESIS_HASH
    return {
      eventId: randomUUID(),
      organizationId,
      timestamp: at(seq * 1000),
      action: 'agent.created',
      outcome: 'success',
      actor: 'agent:operator',
      agentId: null,
      ip: '203.0.113.7',
      details: { seq, nested: { ok: true, list: [1, 'two', null], empty: {} }, text: 'ünïcode ✓' },
      ...fields,
      seq,
      prevHash,
      hash: sha256(`${organizationId}|${seq}|${prevHash}`),
    }
  }
}

/** Orders by (createdAt, id) ascending, the documented list order of several repositories. */
export function byCreatedAtThen<T extends { createdAt: Date }>(id: (row: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const dt = a.createdAt.getTime() - b.createdAt.getTime()
    if (dt !== 0) return dt
    const ia = id(a)
    const ib = id(b)
    return ia < ib ? -1 : ia > ib ? 1 : 0
  }
}

/**
 * Walks every page of a cursor-paginated list. Fails when a page is longer than `limit` or when the
 * walk does not end within `maxPages` (a cursor that never advances).
 */
export async function collectPages<T>(
  limit: number,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  maxPages = 100,
): Promise<{ items: T[]; pageSizes: number[] }> {
  const items: T[] = []
  const pageSizes: number[] = []
  let cursor: string | undefined
  for (let i = 0; i < maxPages; i++) {
    const page = await fetchPage(cursor)
    if (page.items.length > limit) throw new Error(`page of ${page.items.length} items exceeds limit ${limit}`)
    items.push(...page.items)
    pageSizes.push(page.items.length)
    if (page.nextCursor === null) return { items, pageSizes }
    cursor = page.nextCursor
  }
  throw new Error(`pagination did not end within ${maxPages} pages`)
}

/** Asserts that `promise` rejects with an `IdpError` carrying `code`, and returns that error. */
export async function expectIdpError(promise: Promise<unknown>, code: IdpErrorCode): Promise<IdpError<string>> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught, `expected an IdpError ${code}`).toBeInstanceOf(IdpError)
  expect(caught).toMatchObject({ code })
  if (!(caught instanceof IdpError)) throw new Error('unreachable: asserted above')
  return caught
}
