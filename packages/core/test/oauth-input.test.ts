/**
 * OAuth parameters that storage cannot hold are refused before any lookup: NUL or lone surrogates
 * in any parameter, a client id over 255 characters, the same in Basic credentials and in a client
 * assertion's `iss`.
 *
 * @see issue 10, findings 3 and 9
 */
import { describe, expect, it } from 'vitest'
import { createIdp, createMemoryStorage, IdpError, MAX_CLIENT_ID_LENGTH, type Storage } from '../src/index.js'
import { ADMIN_SECRET, basic } from './helpers.js'

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

async function setup() {
  const memory = createMemoryStorage()
  const lookups: string[] = []
  const storage: Storage = {
    ...memory,
    credentials: {
      ...memory.credentials,
      findByClientId: async (id) => {
        lookups.push(id)
        return memory.credentials.findByClientId(id)
      },
    },
    agents: {
      ...memory.agents,
      ownerOf: async (id) => {
        lookups.push(id)
        return memory.agents.ownerOf(id)
      },
    },
  }
  const idp = createIdp({ issuer: 'http://idp.test', storage })
  await idp.bootstrap({ clientId: 'admin', clientSecret: ADMIN_SECRET })
  lookups.length = 0
  return { idp, lookups }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    if (err instanceof IdpError) return err.code
    throw err
  }
  return 'OK'
}

describe('OAuth input', () => {
  it('refuses a malformed or over-long client_id with invalid_request before looking it up', async () => {
    const { idp, lookups } = await setup()
    const token = (client_id: string) => idp.oauth.token({ params: { grant_type: 'client_credentials', client_id, client_secret: 's' } })
    expect(await codeOf(token('a\u0000b'))).toBe('INVALID_REQUEST')
    expect(await codeOf(token('a\uD800'))).toBe('INVALID_REQUEST')
    expect(await codeOf(token('x'.repeat(MAX_CLIENT_ID_LENGTH + 1)))).toBe('INVALID_REQUEST')
    expect(await codeOf(idp.oauth.introspect({ params: { token: 't', client_id: 'x'.repeat(900_000), client_secret: 's' } }))).toBe('INVALID_REQUEST')
    expect(await codeOf(idp.oauth.revoke({ params: { token: 't', client_id: '\u0000', client_secret: 's' } }))).toBe('INVALID_REQUEST')
    expect(lookups).toEqual([])
    // The longest accepted id is looked up (and unknown).
    expect(await codeOf(token('x'.repeat(MAX_CLIENT_ID_LENGTH)))).toBe('INVALID_CLIENT')
    expect(lookups).toEqual(['x'.repeat(MAX_CLIENT_ID_LENGTH)])
  })

  it('refuses NUL in any other parameter with invalid_request', async () => {
    const { idp } = await setup()
    const auth = basic('admin', ADMIN_SECRET)
    expect(await codeOf(idp.oauth.token({ params: { grant_type: 'client_credentials', scope: 'agents:read\u0000' }, authorization: auth }))).toBe('INVALID_REQUEST')
    expect(await codeOf(idp.oauth.token({ params: { grant_type: 'client_\u0000credentials' }, authorization: auth }))).toBe('INVALID_REQUEST')
    expect(await codeOf(idp.oauth.introspect({ params: { token: 'a\uDC00' }, authorization: auth }))).toBe('INVALID_REQUEST')
  })

  it('refuses malformed Basic credentials with invalid_client before looking them up', async () => {
    const { idp, lookups } = await setup()
    const raw = (id: string) => `Basic ${Buffer.from(`${id}:secret`).toString('base64')}`
    for (const authorization of [basic('a\u0000b', 's'), raw('a\u0000b'), basic('x'.repeat(MAX_CLIENT_ID_LENGTH + 1), 's'), raw('%ED%A0%80')]) {
      expect(await codeOf(idp.oauth.token({ params: { grant_type: 'client_credentials' }, authorization }))).toBe('INVALID_CLIENT')
    }
    expect(lookups).toEqual([])
  })

  it('refuses a client assertion whose iss cannot be a client id (or whose kid is malformed) before looking it up', async () => {
    const { idp, lookups } = await setup()
    const exp = Math.floor(Date.now() / 1000) + 60
    const assertion = (iss: string, kid?: string) =>
      `${b64({ alg: 'ES256', ...(kid === undefined ? {} : { kid }) })}.${b64({ iss, sub: iss, aud: 'http://idp.test', exp, jti: 'j' })}.AAAA`
    for (const a of [assertion('a\u0000b'), assertion('\uD800'), assertion('x'.repeat(MAX_CLIENT_ID_LENGTH + 1)), assertion('agent', 'k\u0000')]) {
      const params = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: a }
      expect(await codeOf(idp.oauth.token({ params }))).toBe('INVALID_CLIENT')
    }
    expect(lookups).toEqual([])
  })
})
