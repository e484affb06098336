/**
 * The peer of the benchmark: `oidc-provider` (panva), in memory, configured for
 * `client_credentials` with RFC 9068 JWT access tokens signed ES256 (resource indicators with a
 * default resource), RFC 7662 introspection, `client_secret_basic` and `private_key_jwt` clients.
 *
 * Started by `bench/run.ts` as its own process on 127.0.0.1. Environment (all required):
 * `PORT`, `PEER_CLIENT_SECRET` (secret of client `bench-basic`), `PEER_PKJWT_JWK` (public EC P-256
 * JWK of client `bench-pkjwt`). Prints `ready` on stdout once listening.
 *
 * Resources: `urn:bench:api` (default) issues JWT access tokens (`typ: at+jwt`, ES256), which
 * oidc-provider does not persist, so introspecting them is `active: false` without a lookup;
 * `urn:bench:opaque` issues opaque, stored tokens, which is what the introspection scenario uses so
 * that the peer performs a real lookup.
 *
 * @module
 */
import { generateKeyPairSync } from 'node:crypto'
import Provider, { type ClientMetadata, type JWKS, type ResourceServer } from 'oidc-provider'

const port = Number(process.env['PORT'] ?? 0)
const secret = process.env['PEER_CLIENT_SECRET'] ?? ''
const pkjwtJwk = JSON.parse(process.env['PEER_PKJWT_JWK'] ?? '{}') as JWKS['keys'][number]
const issuer = `http://127.0.0.1:${port}`

const JWT_RESOURCE = 'urn:bench:api'
const OPAQUE_RESOURCE = 'urn:bench:opaque'
const SCOPE = 'agents:read'

const signingJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })

const grant: Pick<ClientMetadata, 'grant_types' | 'redirect_uris' | 'response_types' | 'id_token_signed_response_alg'> = {
  grant_types: ['client_credentials'],
  id_token_signed_response_alg: 'ES256',
  redirect_uris: [],
  response_types: [],
}

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'bench-basic', client_secret: secret, token_endpoint_auth_method: 'client_secret_basic', ...grant },
    {
      client_id: 'bench-pkjwt',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [pkjwtJwk] },
      ...grant,
    },
  ],
  jwks: { keys: [{ ...signingJwk, kid: 'peer-es256', alg: 'ES256', use: 'sig' } as JWKS['keys'][number]] },
  enabledJWA: { clientAuthSigningAlgValues: ['ES256'], idTokenSigningAlgValues: ['ES256'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => JWT_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource): ResourceServer =>
        resource === OPAQUE_RESOURCE
          ? { scope: SCOPE, audience: OPAQUE_RESOURCE, accessTokenTTL: 3600, accessTokenFormat: 'opaque' }
          : { scope: SCOPE, audience: JWT_RESOURCE, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } },
    },
  },
})

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write('ready\n')
})
const stop = () => server.close(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
