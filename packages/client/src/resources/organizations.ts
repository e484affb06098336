/**
 * Organizations (tenants) and their members, SPEC §3. Most calls need `admin:orgs`; an
 * organization's own agents may read it.
 *
 * @module
 */
import type { AddMemberInput, CreateOrganizationInput, Items, ListOrganizationsQuery, Organization, OrganizationMember, Page, UpdateOrganizationInput } from '../model.js'
import { paginate } from '../paginate.js'
import { unwrap, unwrapEmpty } from '../unwrap.js'
import type { ApiClient } from './api-client.js'

/** `client.organizations`. */
export interface OrganizationsResource {
  create(input: CreateOrganizationInput): Promise<Organization>
  list(query?: ListOrganizationsQuery): Promise<Page<Organization>>
  /** Every organization, page after page. */
  listAll(query?: Omit<ListOrganizationsQuery, 'cursor'>): AsyncGenerator<Organization, void, undefined>
  get(organizationId: string): Promise<Organization>
  update(organizationId: string, patch: UpdateOrganizationInput): Promise<Organization>
  /** Deletes an organization without active agents (409 otherwise). */
  delete(organizationId: string): Promise<void>
  addMember(organizationId: string, input: AddMemberInput): Promise<OrganizationMember>
  listMembers(organizationId: string): Promise<Items<OrganizationMember>>
  removeMember(organizationId: string, agentId: string): Promise<void>
}

/** Builds `client.organizations` over the typed REST layer. */
export function organizationsResource(api: ApiClient): OrganizationsResource {
  const path = (organizationId: string) => ({ params: { path: { organizationId } } })
  const list = (query: ListOrganizationsQuery = {}) => unwrap(api.GET('/api/v1/organizations', { params: { query } }))
  return {
    create: (input) => unwrap(api.POST('/api/v1/organizations', { body: input })),
    list,
    listAll: (query = {}) => paginate((cursor) => list({ ...query, ...(cursor === undefined ? {} : { cursor }) })),
    get: (id) => unwrap(api.GET('/api/v1/organizations/{organizationId}', path(id))),
    update: (id, patch) => unwrap(api.PATCH('/api/v1/organizations/{organizationId}', { ...path(id), body: patch })),
    delete: (id) => unwrapEmpty(api.DELETE('/api/v1/organizations/{organizationId}', path(id))),
    addMember: (id, input) => unwrap(api.POST('/api/v1/organizations/{organizationId}/members', { ...path(id), body: input })),
    listMembers: (id) => unwrap(api.GET('/api/v1/organizations/{organizationId}/members', path(id))),
    removeMember: (organizationId, agentId) =>
      unwrapEmpty(api.DELETE('/api/v1/organizations/{organizationId}/members/{agentId}', { params: { path: { organizationId, agentId } } })),
  }
}
