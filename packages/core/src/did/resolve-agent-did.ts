/**
 * Public DID endpoints (SPEC §7): an agent's did:web document, its W3C DID Resolution result, and
 * the instance DID document. DIDs are public by design, so these need no token; they reveal only
 * what the DID document holds (the DID, public keys, the IdP).
 *
 * - Decommissioned agents: the document answers 410 `GONE`; the resolution result answers 410 with
 *   `didDocumentMetadata.deactivated: true` and no document (W3C DID Resolution, HTTP binding).
 * - Suspended agents stay resolvable (their keys are still theirs); the resolution metadata says
 *   `status: suspended`, and the token endpoint refuses them anyway.
 *
 * @module
 */
import type { DidDocument, DidResolutionResult } from './did-schemas.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { Agent } from '../model.js'
import { agentDidDocument, instanceDidDocument } from './did-document.js'

/** `contentType` of DID documents with a JSON-LD `@context` (DID Core §6.3). */
export const DID_LD_JSON = 'application/did+ld+json'

const notFound = () => new IdpError('NOT_FOUND', 'DID not found')

/** Any agent by id, whatever its organization: the only caller is the public DID surface. */
async function findAnyAgent(deps: Deps, agentId: string): Promise<Agent | null> {
  const organizationId = await deps.storage.agents.ownerOf(agentId)
  return organizationId === null ? null : deps.storage.agents.find(organizationId, agentId)
}

async function documentOf(deps: Deps, agent: Agent): Promise<DidDocument> {
  const keys = await deps.storage.agentKeys.listByAgent(agent.organizationId, agent.agentId, { activeOnly: true })
  return agentDidDocument(deps.opts.issuer, agent, keys)
}

/**
 * `GET /agents/{agentId}/did.json` and `GET /api/v1/agents/{agentId}/did`.
 * @throws {IdpError} NOT_FOUND for an unknown agent; GONE when it is decommissioned.
 */
export async function getAgentDidDocument(deps: Deps, agentId: string): Promise<DidDocument> {
  const agent = await findAnyAgent(deps, agentId)
  if (agent === null) throw notFound()
  if (agent.status === 'decommissioned') throw new IdpError('GONE', 'The agent has been decommissioned; its DID is deactivated')
  return documentOf(deps, agent)
}

/**
 * `GET /api/v1/agents/{agentId}/did/resolve`: the W3C DID Resolution result. `status` is the HTTP
 * status to answer with (410 for a deactivated DID).
 * @throws {IdpError} NOT_FOUND for an unknown agent.
 */
export async function resolveAgentDid(deps: Deps, agentId: string): Promise<{ status: 200 | 410; result: DidResolutionResult }> {
  const agent = await findAnyAgent(deps, agentId)
  if (agent === null) throw notFound()
  const deactivated = agent.status === 'decommissioned'
  const keys = await deps.storage.agentKeys.listByAgent(agent.organizationId, agent.agentId)
  // Adding or removing a key changes the document: `updated` is the latest of those and the agent's own change.
  const updated = keys
    .flatMap((k) => (k.removedAt === null ? [k.createdAt] : [k.createdAt, k.removedAt]))
    .reduce((latest, t) => (t > latest ? t : latest), agent.updatedAt)
  return {
    status: deactivated ? 410 : 200,
    result: {
      '@context': 'https://w3id.org/did-resolution/v1',
      didDocument: deactivated ? null : agentDidDocument(deps.opts.issuer, agent, keys),
      didResolutionMetadata: { contentType: DID_LD_JSON },
      didDocumentMetadata: {
        created: agent.createdAt.toISOString(),
        updated: updated.toISOString(),
        deactivated,
        status: agent.status,
      },
    },
  }
}

/** `GET /.well-known/did.json`: the instance DID with the IdP signing keys. */
export async function getInstanceDidDocument(deps: Deps): Promise<DidDocument> {
  return instanceDidDocument(deps.opts.issuer, await deps.keys.publicKeys())
}
