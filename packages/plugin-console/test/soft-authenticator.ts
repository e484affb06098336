/**
 * A software WebAuthn authenticator for tests: builds real registration (attestation `none`) and
 * authentication responses with a P-256 key from node:crypto, as a platform authenticator would,
 * so that `@simplewebauthn/server` verifies them exactly as browser responses. Knobs let a test
 * forge the failures a verifier must refuse (wrong origin or RP id, no user verification, a
 * counter that goes backwards).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isoCBOR } from '@simplewebauthn/server/helpers'

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url')
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest()

export interface Tamper {
  origin?: string
  rpId?: string
  /** Clear the UV flag (user not verified). */
  noUserVerification?: boolean
  /** Force this signature counter. */
  counter?: number
  /** Sign a different challenge than the one given. */
  challenge?: string
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32)
  private readonly key: { privateKey: KeyObject; publicKey: KeyObject }
  private counter = 0
  userHandle: string | undefined

  constructor(
    readonly origin: string,
    readonly rpId: string,
  ) {
    this.key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  }

  private flags(t: Tamper, attested: boolean): number {
    // UP | UV | BE | BS (a synced passkey) | AT when attested data follows.
    return 0x01 | (t.noUserVerification === true ? 0 : 0x04) | 0x08 | 0x10 | (attested ? 0x40 : 0)
  }

  private counterBytes(t: Tamper): Buffer {
    const c = Buffer.alloc(4)
    if (t.counter !== undefined) c.writeUInt32BE(t.counter)
    else c.writeUInt32BE(++this.counter)
    return c
  }

  private clientData(type: string, challenge: string, t: Tamper): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge: t.challenge ?? challenge, origin: t.origin ?? this.origin, crossOrigin: false }))
  }

  /** Answers `navigator.credentials.create()` for registration options. */
  register(options: { challenge: string; user: { id: string } }, t: Tamper = {}) {
    this.userHandle = options.user.id
    const jwk = this.key.publicKey.export({ format: 'jwk' })
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ])
    const credLen = Buffer.alloc(2)
    credLen.writeUInt16BE(this.credentialId.length)
    const authData = Buffer.concat([
      sha256(t.rpId ?? this.rpId),
      Buffer.from([this.flags(t, true)]),
      Buffer.alloc(4), // counter 0 at registration
      Buffer.alloc(16), // aaguid
      credLen,
      this.credentialId,
      Buffer.from(isoCBOR.encode(cose)),
    ])
    const attestation = new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]])
    const attestationObject = isoCBOR.encode(attestation as Parameters<typeof isoCBOR.encode>[0])
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64u(this.clientData('webauthn.create', options.challenge, t)),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  /** Answers `navigator.credentials.get()` for authentication options. */
  authenticate(options: { challenge: string }, t: Tamper = {}) {
    const authData = Buffer.concat([sha256(t.rpId ?? this.rpId), Buffer.from([this.flags(t, false)]), this.counterBytes(t)])
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, t)
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.key.privateKey)
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: this.userHandle ?? '',
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }
}
