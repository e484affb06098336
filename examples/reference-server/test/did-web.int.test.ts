/**
 * did:web interoperability (issue 4): the real server serves HTTPS with a certificate generated
 * here; the `did-resolver` + `web-did-resolver` packages resolve agent DIDs and the instance DID
 * against it, and a JWS signed by the agent's key verifies with the key the resolver returned.
 * Keys added or removed show up at once; decommissioning deactivates the DID (410).
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { globalAgent, request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resolver, type VerificationMethod } from 'did-resolver'
import { CompactSign, compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose'
import { generate } from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getResolver } from 'web-did-resolver'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, startOn, type Running } from './harness.js'

interface Res {
  status: number
  type: string
  body: Record<string, unknown> | string | undefined
}

/** An HTTPS call that trusts exactly the test certificate. */
function httpsCall(ca: string, method: string, url: string, opts: { token?: string; json?: unknown; form?: Record<string, string>; basic?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    let payload: string | undefined
    if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`
    if (opts.basic !== undefined) headers['authorization'] = `Basic ${opts.basic}`
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(opts.json)
    }
    if (opts.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      payload = new URLSearchParams(opts.form).toString()
    }
    const req = request(url, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const type = String(res.headers['content-type'] ?? '')
        resolve({ status: res.statusCode ?? 0, type, body: text === '' ? undefined : type.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : text })
      })
    })
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

const obj = (r: Res): Record<string, unknown> => {
  if (typeof r.body !== 'object') throw new Error(`expected a JSON body, got ${r.status} ${String(r.body)}`)
  return r.body
}

describe.each(TARGETS)('did:web resolution over HTTPS on $name', (target) => {
  let server: Running
  let certDir: string
  let ca: string
  let previousCa: unknown
  let adminToken: string
  const resolver = new Resolver(getResolver())
  const call = (method: string, path: string, opts: Parameters<typeof httpsCall>[3] = {}) => httpsCall(ca, method, `${server.url}${path}`, opts)

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    })
    ca = pems.cert
    certDir = await mkdtemp(join(tmpdir(), 'agentidp-tls-'))
    await writeFile(join(certDir, 'cert.pem'), pems.cert)
    await writeFile(join(certDir, 'key.pem'), pems.private, { mode: 0o600 })
    // web-did-resolver fetches through cross-fetch → node-fetch → https.globalAgent: trust our CA
    // there (this test process only), with certificate verification left on.
    previousCa = globalAgent.options.ca
    globalAgent.options.ca = ca
    server = await startOn(target, { TLS_CERT_FILE: join(certDir, 'cert.pem'), TLS_KEY_FILE: join(certDir, 'key.pem') })
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const basic = Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64')
    adminToken = String(obj(await call('POST', '/oauth2/token', { form: { grant_type: 'client_credentials' }, basic }))['access_token'])
  })

  afterAll(async () => {
    globalAgent.options.ca = previousCa as typeof globalAgent.options.ca
    await server.close()
    await rm(certDir, { recursive: true, force: true })
  })

  async function newAgent(extra: Record<string, unknown> = {}) {
    const slug = `did-${randomUUID().slice(0, 8)}`
    const org = obj(await call('POST', '/api/v1/organizations', { token: adminToken, json: { name: slug, slug } }))
    const res = await call('POST', '/api/v1/agents', {
      token: adminToken,
      json: { organizationId: org['organizationId'], name: 'signer', agentType: 'custom', version: '1.0.0', capabilities: ['docs:sign'], owner: slug, deploymentEnv: 'production', ...extra },
    })
    expect(res.status).toBe(201)
    return obj(res)
  }

  const methodFor = (methods: VerificationMethod[] | undefined, kid: string) => methods?.find((m) => m.id.endsWith(`#${kid}`))

  it('resolves an agent DID with did-resolver and verifies a JWS signed by the agent key with the resolved key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'agent-key-1' }
    const agent = await newAgent({ publicJwk })
    const did = String(agent['did'])
    expect(did).toBe(`did:web:127.0.0.1%3A${new URL(server.url).port}:agents:${String(agent['agentId'])}`)

    const resolved = await resolver.resolve(did)
    expect(resolved.didResolutionMetadata.error).toBeUndefined()
    expect(resolved.didDocument?.id).toBe(did)
    const method = methodFor(resolved.didDocument?.verificationMethod, 'agent-key-1')
    expect(method).toMatchObject({ type: 'JsonWebKey2020', controller: did })
    expect(resolved.didDocument?.authentication).toContain(method?.id)
    expect(resolved.didDocument?.assertionMethod).toContain(method?.id)

    const message = new TextEncoder().encode(`hello from ${did}`)
    const jws = await new CompactSign(message).setProtectedHeader({ alg: 'ES256', kid: method?.id ?? '' }).sign(privateKey)
    const verified = await compactVerify(jws, await importJWK(method?.publicKeyJwk as JWK, 'ES256'))
    expect(new TextDecoder().decode(verified.payload)).toBe(`hello from ${did}`)

    // A different key cannot pass for the agent's.
    const other = await generateKeyPair('ES256')
    const forged = await new CompactSign(message).setProtectedHeader({ alg: 'ES256' }).sign(other.privateKey)
    await expect(compactVerify(forged, await importJWK(method?.publicKeyJwk as JWK, 'ES256'))).rejects.toThrow()
  })

  it('shows keys added and removed at once, and answers 410 after decommission', async () => {
    const agent = await newAgent()
    const agentId = String(agent['agentId'])
    const did = String(agent['did'])
    expect((await resolver.resolve(did)).didDocument?.verificationMethod).toEqual([])

    const added = await call('POST', `/api/v1/agents/${agentId}/keys`, { token: adminToken, json: { alg: 'EdDSA' } })
    expect(added.status).toBe(201)
    const kid = String(obj(added)['kid'])
    const privateJwk = obj(added)['privateJwk'] as JWK
    expect(privateJwk.d).toEqual(expect.any(String))
    // The private key is shown once: the listing holds public members only.
    const listed = obj(await call('GET', `/api/v1/agents/${agentId}/keys`, { token: adminToken }))['items'] as Record<string, unknown>[]
    expect(JSON.stringify(listed)).not.toContain(String(privateJwk.d))

    const resolved = await resolver.resolve(did)
    const method = methodFor(resolved.didDocument?.verificationMethod, kid)
    expect(method?.publicKeyJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid })
    const jws = await new CompactSign(new TextEncoder().encode('ed25519')).setProtectedHeader({ alg: 'EdDSA' }).sign(await importJWK(privateJwk, 'EdDSA'))
    await expect(compactVerify(jws, await importJWK(method?.publicKeyJwk as JWK, 'EdDSA'))).resolves.toBeDefined()

    expect((await call('DELETE', `/api/v1/agents/${agentId}/keys/${kid}`, { token: adminToken })).status).toBe(204)
    expect(methodFor((await resolver.resolve(did)).didDocument?.verificationMethod, kid)).toBeUndefined()

    const rest = await call('GET', `/api/v1/agents/${agentId}/did`)
    expect(rest.status).toBe(200)
    expect(obj(rest)['id']).toBe(did)
    const resolution = await call('GET', `/api/v1/agents/${agentId}/did/resolve`)
    expect(obj(resolution)).toMatchObject({ didDocument: { id: did }, didDocumentMetadata: { deactivated: false, status: 'active' } })

    expect((await call('DELETE', `/api/v1/agents/${agentId}`, { token: adminToken })).status).toBe(204)
    const gone = await call('GET', `/agents/${agentId}/did.json`)
    expect(gone.status).toBe(410)
    expect(gone.type).toContain('application/problem+json')
    expect(obj(gone)['code']).toBe('GONE')
    expect((await resolver.resolve(did)).didResolutionMetadata.error).toBe('notFound')
    const deactivated = await call('GET', `/api/v1/agents/${agentId}/did/resolve`)
    expect(deactivated.status).toBe(410)
    expect(obj(deactivated)).toMatchObject({ didDocument: null, didDocumentMetadata: { deactivated: true, status: 'decommissioned' } })
    expect((await call('GET', `/agents/${randomUUID()}/did.json`)).status).toBe(404)
  })

  it('resolves the instance DID, whose keys verify a card signed by the IdP', async () => {
    const agent = await newAgent()
    const instance = `did:web:127.0.0.1%3A${new URL(server.url).port}`
    const resolved = await resolver.resolve(instance)
    expect(resolved.didResolutionMetadata.error).toBeUndefined()
    const jwks = { keys: (resolved.didDocument?.verificationMethod ?? []).map((m) => m.publicKeyJwk as JWK) }
    expect(jwks.keys.length).toBeGreaterThan(0)
    const signed = await call('GET', `/api/v1/agents/${String(agent['agentId'])}/card?signed=true`, { token: adminToken })
    expect(signed.status).toBe(200)
    expect(signed.type).toContain('application/jwt')
    const { payload, protectedHeader } = await jwtVerify(String(signed.body), createLocalJWKSet(jwks), { issuer: server.url, typ: 'agent-card+jwt' })
    expect(protectedHeader.alg).toBe('ES256')
    expect(payload).toMatchObject({ sub: agent['did'], did: agent['did'], name: 'signer' })
  })
})
