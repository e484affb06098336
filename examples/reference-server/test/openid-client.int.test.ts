/**
 * Third-party interoperability: openid-client discovers the server, obtains a token with
 * client_credentials and introspects it; jose verifies the token against the published JWKS.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const target = TARGETS[0]!

describe('interoperability with openid-client and jose', () => {
  let server: Running
  beforeAll(async () => {
    server = await startOn(target)
  })
  afterAll(async () => {
    await server.close()
  })

  it.each([
    ['client_secret_basic', client.ClientSecretBasic],
    ['client_secret_post', client.ClientSecretPost],
  ] as const)('discovers, gets a token with %s, introspects it and verifies it with jose', async (method, auth) => {
    const admin = await api(server.url).token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(server.url, admin, `oidc-${method.replaceAll('_', '-')}`, ['agents:read', 'tokens:read'])

    const config = await client.discovery(new URL(server.url), t.clientId, undefined, auth(t.clientSecret), {
      execute: [client.allowInsecureRequests],
    })
    expect(config.serverMetadata().token_endpoint).toBe(`${server.url}/oauth2/token`)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'agents:read' })
    expect(tokens.token_type.toLowerCase()).toBe('bearer')
    expect(tokens.scope).toBe('agents:read')

    const introspection = await client.tokenIntrospection(config, tokens.access_token)
    expect(introspection.active).toBe(true)
    expect(introspection.sub).toBe(t.agentId)

    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: server.url,
      audience: server.url,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    })
    expect(protectedHeader.kid).toEqual(expect.any(String))
    expect(payload).toMatchObject({ sub: t.agentId, client_id: t.clientId, organization_id: t.organizationId, scope: 'agents:read' })

    await client.tokenRevocation(config, tokens.access_token)
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false)
  })
})
