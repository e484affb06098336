/**
 * Local {@link KeyStore}: ES256 keys generated in process, their private halves encrypted at rest
 * (AES-256-GCM under a key derived from the master key with HKDF-SHA256) in `Storage.signingKeys`.
 * Every process sharing the storage and master key signs with the same keys.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign as cryptoSign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { IdpError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { SigningKeyRecord } from '../model.js'
import type { KeyStore, PublicJwk, Signer } from '../ports/keys.js'
import type { Storage } from '../ports/storage.js'

/** Options of {@link createLocalKeyStore}. */
export interface LocalKeyStoreOptions {
  storage: Storage
  /** At least 32 characters of secret material (e.g. 32 random bytes, base64url). */
  masterKey: string
  /** How long a retired key stays published, in seconds; ≥ the longest token lifetime. @default 172800 (48 h) */
  gracePeriodSeconds?: number
  /** How often keys are re-read from storage, so rotations by other processes are seen. @default 30000 */
  refreshIntervalMs?: number
  /**
   * Delay between `rotate()` publishing a new key and that key signing, in seconds. With several
   * processes it must exceed `refreshIntervalMs` (plus any JWKS cache of your resource servers), so
   * that every verifier holds the new key before a token carries it. @default 0 (single process)
   */
  activationDelaySeconds?: number
  clock?: () => Date
  logger?: Logger
}

interface LoadedKey {
  record: SigningKeyRecord
  jwk: PublicJwk
  signer: Signer
}

const AAD = Buffer.from('sentryagent:signing-key:v1')

function deriveKey(masterKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'utf8'), 'sentryagent-local-key-store', 'aes-256-gcm v1', 32))
}

function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(AAD)
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')
}

function decrypt(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
  decipher.setAAD(AAD)
  decipher.setAuthTag(raw.subarray(12, 28))
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
}

function makeSigner(kid: string, privateKey: KeyObject, activatesAt: Date): Signer {
  return {
    kid,
    alg: 'ES256',
    activatesAt,
    async sign(data) {
      return cryptoSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    },
  }
}

/**
 * Creates a key store that keeps encrypted ES256 keys in storage.
 *
 * @example
 * const keys = createLocalKeyStore({ storage, masterKey: process.env.SENTRYAGENT_MASTER_KEY })
 * @throws {IdpError} CONFIG_INVALID when the master key is too short, or does not decrypt stored keys.
 */
export function createLocalKeyStore(options: LocalKeyStoreOptions): KeyStore {
  if (options.masterKey.length < 32) throw new IdpError('CONFIG_INVALID', 'masterKey must be at least 32 characters')
  const aesKey = deriveKey(options.masterKey)
  const clock = options.clock ?? (() => new Date())
  const log = options.logger ?? silentLogger
  const graceMs = (options.gracePeriodSeconds ?? 172_800) * 1000
  const refreshMs = options.refreshIntervalMs ?? 30_000
  const activationDelayMs = (options.activationDelaySeconds ?? 0) * 1000
  if (!(activationDelayMs >= 0)) throw new IdpError('CONFIG_INVALID', 'activationDelaySeconds must be ≥ 0')
  const { storage } = options

  let loaded: { at: number; keys: LoadedKey[]; published: PublicJwk[] } | undefined
  let loading: Promise<NonNullable<typeof loaded>> | undefined
  const cache = new Map<string, LoadedKey>()

  const open = (record: SigningKeyRecord): LoadedKey => {
    const hit = cache.get(record.kid)
    if (hit !== undefined) return { ...hit, record }
    let privateJwk: JWK
    try {
      privateJwk = JSON.parse(decrypt(aesKey, record.encryptedPrivateJwk)) as JWK
    } catch (cause) {
      throw new IdpError('CONFIG_INVALID', 'The master key does not decrypt the stored signing keys', { cause })
    }
    const key: LoadedKey = {
      record,
      jwk: JSON.parse(record.publicJwk) as PublicJwk,
      signer: makeSigner(
        record.kid,
        createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' }),
        record.activatesAt ?? record.createdAt,
      ),
    }
    cache.set(record.kid, key)
    return key
  }

  const generate = async (activatesAt: Date | null = null): Promise<SigningKeyRecord> => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pub = publicKey.export({ format: 'jwk' }) as JWK
    const kid = await calculateJwkThumbprint(pub, 'sha256')
    const publicJwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: String(pub.x), y: String(pub.y), kid, alg: 'ES256', use: 'sig' }
    return {
      kid,
      alg: 'ES256',
      publicJwk: JSON.stringify(publicJwk),
      encryptedPrivateJwk: encrypt(aesKey, JSON.stringify(privateKey.export({ format: 'jwk' }))),
      status: 'current',
      createdAt: clock(),
      notAfter: null,
      activatesAt,
    }
  }

  const load = async () => {
    let records = await storage.signingKeys.list()
    if (!records.some((r) => r.status === 'current')) {
      await storage.signingKeys.insert(await generate())
      log.info({ event: 'key.generated' }, 'generated the first signing key')
      records = await storage.signingKeys.list()
    }
    const now = clock()
    // Every current key and every retired key inside its grace period is published (if two
    // processes raced to create the first key, both stay published).
    const keys = records.filter((r) => r.status === 'current' || (r.notAfter !== null && r.notAfter > now)).map(open)
    loaded = { at: Date.now(), keys, published: keys.map((k) => k.jwk) }
    return loaded
  }

  /**
   * The signer at `now`: the published key activated most recently. A rotated-in key is published
   * at once but signs only from its `activatesAt`; until then its predecessor (retired, still
   * published) keeps signing, so no verifier ever meets a kid it has not been able to load.
   */
  const signerAt = (keys: readonly LoadedKey[], now: Date): Signer => {
    let best: LoadedKey | undefined
    for (const k of keys) {
      const at = (k.signer.activatesAt ?? k.record.createdAt).getTime()
      if (at > now.getTime()) continue
      const bestAt = best === undefined ? -Infinity : (best.signer.activatesAt ?? best.record.createdAt).getTime()
      // Within the same millisecond the rotated-in (current) key wins over its retired predecessor.
      const newer = at > bestAt || (at === bestAt && k.record.status === 'current' && best?.record.status !== 'current')
      if (best === undefined || newer) best = k
    }
    if (best === undefined) throw new IdpError('INTERNAL', 'No active signing key')
    return best.signer
  }

  const ensure = async () => {
    if (loaded !== undefined && Date.now() - loaded.at < refreshMs) return loaded
    loading ??= load().finally(() => {
      loading = undefined
    })
    return loading
  }

  return {
    async current() {
      return signerAt((await ensure()).keys, clock())
    },
    async publicKeys() {
      return (await ensure()).published
    },
    async rotate() {
      const now = clock()
      const activatesAt = new Date(now.getTime() + activationDelayMs)
      const next = await generate(activatesAt)
      await storage.transaction(async (tx) => {
        for (const r of await tx.signingKeys.list()) {
          // Retired keys stay published for the grace period counted from when they stop signing.
          if (r.status === 'current') {
            await tx.signingKeys.update(r.kid, { status: 'retired', notAfter: new Date(activatesAt.getTime() + graceMs) })
          }
        }
        await tx.signingKeys.insert(next)
      })
      log.info({ event: 'key.rotated', kid: next.kid, activatesAt }, 'rotated the signing key')
      const reloaded = await load()
      const signer = reloaded.keys.find((k) => k.record.kid === next.kid)?.signer
      if (signer === undefined) throw new IdpError('INTERNAL', 'The rotated key was not stored')
      return signer
    },
    async refresh() {
      await load()
    },
    async ping() {
      await ensure()
    },
  }
}
