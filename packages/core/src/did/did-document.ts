/**
 * did:web documents (SPEC §7): an agent's (`did:web:{host}:agents:{agentId}`) with its active public
 * keys as `JsonWebKey2020` verification methods, and the instance's (`did:web:{host}`) with the IdP
 * signing keys. Pure builders: no storage access.
 *
 * @module
 */
import type { DidDocument } from './did-schemas.js'
import type { Agent, AgentKey } from '../model.js'
import type { PublicJwk } from '../ports/keys.js'
import { agentDid, didWebHost } from '../views.js'

/** JSON-LD contexts of every document: DID Core and the JWS 2020 suite that defines `JsonWebKey2020`. */
export const DID_CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'] as const

/** `did:web:{host}`: the DID of this IdP instance. */
export function instanceDid(issuer: string): string {
  return `did:web:${didWebHost(issuer)}`
}

function documentFor(did: string, controller: string | undefined, keys: readonly Record<string, string>[], service: DidDocument['service']): DidDocument {
  const methods = keys.map((jwk) => ({
    id: `${did}#${jwk['kid'] ?? ''}`,
    type: 'JsonWebKey2020',
    controller: did,
    publicKeyJwk: { ...jwk },
  }))
  const ids = methods.map((m) => m.id)
  return {
    '@context': [...DID_CONTEXT],
    id: did,
    ...(controller === undefined ? {} : { controller }),
    verificationMethod: methods,
    authentication: ids,
    assertionMethod: ids,
    ...(service === undefined ? {} : { service }),
  }
}

/**
 * The DID document of `agent`: its ACTIVE keys only (a removed key disappears at once), the IdP as
 * its identity-provider service.
 *
 * @example
 * const doc = agentDidDocument('https://idp.example.com', agent, keys)
 */
export function agentDidDocument(issuer: string, agent: Agent, keys: readonly AgentKey[]): DidDocument {
  const did = agentDid(issuer, agent.agentId)
  const active = keys.filter((k) => k.status === 'active' && k.agentId === agent.agentId)
  return documentFor(
    did,
    undefined,
    active.map((k) => k.publicJwk),
    [{ id: `${did}#agentidp`, type: 'OAuthAuthorizationServer', serviceEndpoint: issuer }],
  )
}

/**
 * The instance DID document: the IdP's published signing keys (current and in their grace period),
 * so that a JWS signed by the IdP (tokens, signed agent cards) verifies from the DID as well.
 */
export function instanceDidDocument(issuer: string, signingKeys: readonly PublicJwk[]): DidDocument {
  const did = instanceDid(issuer)
  const jwks = signingKeys.map((k) => {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(k)) if (typeof value === 'string') out[name] = value
    return out
  })
  return documentFor(did, undefined, jwks, [
    { id: `${did}#oauth`, type: 'OAuthAuthorizationServer', serviceEndpoint: `${issuer}/.well-known/oauth-authorization-server` },
    { id: `${did}#jwks`, type: 'JsonWebKeySet', serviceEndpoint: `${issuer}/.well-known/jwks.json` },
  ])
}
