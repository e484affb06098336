/**
 * Authorization server metadata (RFC 8414), also served as OpenID Provider configuration.
 *
 * @module
 */
import type { DiscoveryDocument } from '../context.js'
import type { ExtensionRegistry } from '../extensions/registry.js'
import { AGENT_KEY_ALGS } from '../agent-keys/public-jwk.js'

/** Client authentication methods of the token, introspection and revocation endpoints. */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const

/**
 * `true` when some grant or token-exchange validator accepts requests without client
 * authentication (e.g. RFC 7523 jwt-bearer): the token endpoint then also supports `none`.
 */
function acceptsUnauthenticated(registry: ExtensionRegistry): boolean {
  const grants = [...registry.grants.values()].filter((g) => g.owner !== 'core')
  return grants.some((g) => g.entry.clientAuthentication === 'optional') ||
    registry.subjectTokenValidators.some((v) => v.entry.clientAuthentication === 'optional')
}

/** The metadata document; scopes, grant types and token-endpoint auth methods come from the registry. */
export function discoveryDocument(issuer: string, registry: ExtensionRegistry): DiscoveryDocument {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    userinfo_endpoint: `${issuer}/agent-info`,
    scopes_supported: [...registry.scopes],
    response_types_supported: [],
    grant_types_supported: [...registry.grants.keys()],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS, ...(acceptsUnauthenticated(registry) ? ['none'] : [])],
    // private_key_jwt (RFC 7523): what agent keys may sign assertions with; never none or HMAC.
    token_endpoint_auth_signing_alg_values_supported: [...AGENT_KEY_ALGS],
    introspection_endpoint_auth_signing_alg_values_supported: [...AGENT_KEY_ALGS],
    revocation_endpoint_auth_signing_alg_values_supported: [...AGENT_KEY_ALGS],
    introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    access_token_signing_alg_values_supported: ['ES256'],
    service_documentation: `${issuer}/docs`,
  }
}
