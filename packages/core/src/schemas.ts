/**
 * The public `schemas` namespace: every JSON Schema (TypeBox) of the REST API, gathered from the
 * files next to each concept (`agents/agent-schemas.ts`, …) and the one `schema-kit.ts`. The same
 * objects validate input in core and are handed to Fastify as route schemas, so validation and the
 * OpenAPI document cannot drift. Objects reject unknown fields (SPEC §1).
 *
 * @module
 */
export { DateTime, Id, ItemsOf, MAX_SCOPES, OAuthErrorSchema, PageOf, ProblemSchema, SEMVER_PATTERN, ScopeSchema } from './schema-kit.js'
export * from './organizations/organization-schemas.js'
export * from './agents/agent-schemas.js'
export * from './credentials/credential-schemas.js'
export * from './audit/audit-schemas.js'
export * from './delegation/delegation-schemas.js'
export * from './agent-keys/agent-key-schemas.js'
export * from './did/did-schemas.js'
export * from './cards/card-schemas.js'
export * from './marketplace/marketplace-schemas.js'
export * from './compliance/compliance-schemas.js'
