/**
 * The `client_credentials` grant (RFC 6749 §4.4): an authenticated agent gets a token for itself,
 * scoped to a subset of its allowed scopes, bound to the credential or agent key it authenticated with.
 *
 * @module
 */
import { invalidClient } from '../client-auth.js'
import type { GrantHandler } from '../../extensions/extension.js'

/** The `client_credentials` grant handler (registered by core). */
export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',
  clientAuthentication: 'required',
  async handle(req, api) {
    const client = req.client
    if (client === null) throw invalidClient('Client authentication is required')
    const { agent, credential, key, clientId, method } = client
    return {
      subject: agent,
      clientId,
      binding: credential !== null ? { kind: 'credential', credential } : { kind: 'agentKey', key },
      scopes: api.narrowScopes(req.param('scope'), agent.scopes),
      audit: {
        action: 'token.issued',
        actor: agent.agentId,
        details: { ...(key === null ? {} : { kid: key.kid }), authMethod: method },
      },
    }
  },
}
