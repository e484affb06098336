/**
 * Agents, their credentials and their keys, SPEC §4–5 (`agents:read` / `agents:write`; acting on
 * another agent needs a superset of its scopes).
 *
 * @module
 */
import type {
  AddAgentKeyInput,
  AddedAgentKey,
  Agent,
  AgentKey,
  CreateCredentialInput,
  Credential,
  CredentialWithSecret,
  Items,
  ListAgentsQuery,
  Page,
  RegisterAgentInput,
  UpdateAgentInput,
} from '../model.js'
import { paginate } from '../paginate.js'
import { unwrap, unwrapEmpty } from '../unwrap.js'
import type { ApiClient } from './api-client.js'

/** `client.agents`. */
export interface AgentsResource {
  register(input: RegisterAgentInput): Promise<Agent>
  list(query?: ListAgentsQuery): Promise<Page<Agent>>
  /** Every agent matching `query`, page after page. */
  listAll(query?: Omit<ListAgentsQuery, 'cursor'>): AsyncGenerator<Agent, void, undefined>
  get(agentId: string): Promise<Agent>
  update(agentId: string, patch: UpdateAgentInput): Promise<Agent>
  /** `status: suspended`: tokens of the agent are rejected until it is reactivated. */
  suspend(agentId: string): Promise<Agent>
  reactivate(agentId: string): Promise<Agent>
  /** Irreversible: credentials revoked, tokens rejected, DID document 410. */
  decommission(agentId: string): Promise<void>
}

/** `client.credentials`. */
export interface CredentialsResource {
  /** The secret is in this response only. */
  create(agentId: string, input?: CreateCredentialInput): Promise<CredentialWithSecret>
  list(agentId: string): Promise<Items<Credential>>
  /** A new secret; the old one and the tokens issued under it stop working. */
  rotate(agentId: string, credentialId: string): Promise<CredentialWithSecret>
  revoke(agentId: string, credentialId: string): Promise<void>
}

/** `client.keys`: an agent's public keys (`private_key_jwt`, DID document). */
export interface KeysResource {
  /** `{ publicJwk }` registers a key; `{}` or `{ alg }` has the server generate a pair (private JWK returned once). */
  add(agentId: string, input: AddAgentKeyInput): Promise<AddedAgentKey>
  list(agentId: string): Promise<Items<AgentKey>>
  remove(agentId: string, kid: string): Promise<void>
}

/** Builds `client.agents` over the typed REST layer. */
export function agentsResource(api: ApiClient): AgentsResource {
  const path = (agentId: string) => ({ params: { path: { agentId } } })
  const list = (query: ListAgentsQuery = {}) => unwrap(api.GET('/api/v1/agents', { params: { query } }))
  const update = (agentId: string, patch: UpdateAgentInput) => unwrap(api.PATCH('/api/v1/agents/{agentId}', { ...path(agentId), body: patch }))
  return {
    register: (input) => unwrap(api.POST('/api/v1/agents', { body: input })),
    list,
    listAll: (query = {}) => paginate((cursor) => list({ ...query, ...(cursor === undefined ? {} : { cursor }) })),
    get: (agentId) => unwrap(api.GET('/api/v1/agents/{agentId}', path(agentId))),
    update,
    suspend: (agentId) => update(agentId, { status: 'suspended' }),
    reactivate: (agentId) => update(agentId, { status: 'active' }),
    decommission: (agentId) => unwrapEmpty(api.DELETE('/api/v1/agents/{agentId}', path(agentId))),
  }
}

/** Builds `client.credentials` over the typed REST layer. */
export function credentialsResource(api: ApiClient): CredentialsResource {
  return {
    create: (agentId, input = {}) => unwrap(api.POST('/api/v1/agents/{agentId}/credentials', { params: { path: { agentId } }, body: input })),
    list: (agentId) => unwrap(api.GET('/api/v1/agents/{agentId}/credentials', { params: { path: { agentId } } })),
    rotate: (agentId, credentialId) =>
      unwrap(api.POST('/api/v1/agents/{agentId}/credentials/{credentialId}/rotate', { params: { path: { agentId, credentialId } } })),
    revoke: (agentId, credentialId) =>
      unwrapEmpty(api.DELETE('/api/v1/agents/{agentId}/credentials/{credentialId}', { params: { path: { agentId, credentialId } } })),
  }
}

/** Builds `client.keys` over the typed REST layer. */
export function keysResource(api: ApiClient): KeysResource {
  return {
    add: (agentId, input) => unwrap(api.POST('/api/v1/agents/{agentId}/keys', { params: { path: { agentId } }, body: input })),
    list: (agentId) => unwrap(api.GET('/api/v1/agents/{agentId}/keys', { params: { path: { agentId } } })),
    remove: (agentId, kid) => unwrapEmpty(api.DELETE('/api/v1/agents/{agentId}/keys/{kid}', { params: { path: { agentId, kid } } })),
  }
}
