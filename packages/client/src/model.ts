/**
 * The SDK's names for the IdP's resources and request bodies, taken from the generated OpenAPI
 * types (`generated/openapi.ts`), so they follow the server's schemas.
 *
 * @module
 */
import type { components, paths } from './generated/openapi.js'

type Schemas = components['schemas']
type JsonBody<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never
type JsonResponse<Op, Status extends number> = Op extends { responses: { [S in Status]: { content: { 'application/json': infer R } } } }
  ? R
  : never
type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never

/** A page of a list: `nextCursor` is `null` on the last page. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** An unpaginated list (an agent's credentials or keys, an organization's members). */
export interface Items<T> {
  items: T[]
}

export type Agent = Schemas['Agent']
export type Organization = Schemas['Organization']
export type OrganizationMember = Schemas['OrganizationMember']
export type Credential = Schemas['Credential']
export type AgentKey = Schemas['AgentKey']
export type AuditEvent = Schemas['AuditEvent']
/** A scope of the IdP (SPEC §2). */
export type Scope = Agent['scopes'][number]

export type CreateOrganizationInput = JsonBody<paths['/api/v1/organizations']['post']>
export type UpdateOrganizationInput = JsonBody<paths['/api/v1/organizations/{organizationId}']['patch']>
export type ListOrganizationsQuery = Query<paths['/api/v1/organizations']['get']>
export type AddMemberInput = JsonBody<paths['/api/v1/organizations/{organizationId}/members']['post']>

export type RegisterAgentInput = JsonBody<paths['/api/v1/agents']['post']>
export type UpdateAgentInput = JsonBody<paths['/api/v1/agents/{agentId}']['patch']>
export type ListAgentsQuery = Query<paths['/api/v1/agents']['get']>

export type CreateCredentialInput = JsonBody<paths['/api/v1/agents/{agentId}/credentials']['post']>
/** A credential as created or rotated: `clientSecret` is shown only in this response. */
export type CredentialWithSecret = JsonResponse<paths['/api/v1/agents/{agentId}/credentials']['post'], 201>

export type AddAgentKeyInput = JsonBody<paths['/api/v1/agents/{agentId}/keys']['post']>
/** A key as added: `privateJwk` only when the server generated the pair. */
export type AddedAgentKey = JsonResponse<paths['/api/v1/agents/{agentId}/keys']['post'], 201>

export type ListAuditQuery = Query<paths['/api/v1/audit']['get']>
export type AuditVerifyQuery = Query<paths['/api/v1/audit/verify']['get']>
export type AuditVerification = JsonResponse<paths['/api/v1/audit/verify']['get'], 200>
export type AuditCheckpoint = JsonResponse<paths['/api/v1/audit/checkpoints']['post'], 201>
export type AuditProof = JsonResponse<paths['/api/v1/audit/events/{eventId}/proof']['get'], 200>

export type CreateDelegationInput = JsonBody<paths['/oauth2/token/delegate']['post']>
export type Delegation = JsonResponse<paths['/oauth2/token/delegate']['post'], 201>
export type DelegationVerification = JsonResponse<paths['/oauth2/token/verify-delegation']['post'], 200>

/** `GET /agent-info`: the identity claims of the calling agent. */
export type AgentInfo = JsonResponse<paths['/agent-info']['get'], 200>
