/**
 * `KeyStore` on the Vault Transit engine: an `ecdsa-p256` key whose private half never leaves
 * Vault. Core assembles each JWS and Vault signs it (`POST /v1/<mount>/sign/<key>/sha2-256` with
 * `marshaling_algorithm=jws`, pinned to one `key_version`); public keys come from the key's read
 * endpoint; `rotate()` adds a version. `kid` is `<key>#v<version>`.
 *
 * Zero-downtime rotation is derived from Vault's own `creation_time`: version N > 1 signs only from
 * `creation_time + activationDelaySeconds` (published before that), its predecessor keeps signing
 * until then and stays published for `gracePeriodSeconds` after. When Vault cannot be reached,
 * signing fails closed with `DEPENDENCY_UNAVAILABLE`; there is no local fallback key.
 *
 * @module
 */
import { createPublicKey } from 'node:crypto'
import { IdpError, type KeyStore, type PublicJwk, type Signer } from '@sentryagent/core'
import { createVaultClient, type VaultClient, type VaultClientOptions } from './vault-client.js'

/** Options of {@link createVaultKeyStore}. Give `client` or the {@link VaultClientOptions}. */
export interface VaultKeyStoreOptions {
  /** Connection (address, auth, namespace, timeouts) — or an existing `client`. */
  vault: VaultClientOptions | { client: VaultClient }
  /** Transit mount path. @default 'transit' */
  mount?: string | undefined
  /** Transit key name. @default 'agentidp' */
  key?: string | undefined
  /** Create the key (type `ecdsa-p256`) when missing. @default true */
  createIfMissing?: boolean | undefined
  /** Seconds between a rotation and the new version signing (≥ every process's `refreshIntervalMs`). @default 0 */
  activationDelaySeconds?: number | undefined
  /** Seconds a superseded version stays published (≥ the longest token lifetime). @default 172800 */
  gracePeriodSeconds?: number | undefined
  /** How often the key is re-read, in ms. @default 30000 */
  refreshIntervalMs?: number | undefined
  /** @default () => new Date() */
  clock?: (() => Date) | undefined
}

interface Version {
  version: number
  createdAt: Date
  jwk: PublicJwk
}

const PATH_SEGMENT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/

function parseVersions(key: string, data: Record<string, unknown>): Version[] {
  if (data['type'] !== 'ecdsa-p256') throw new IdpError('CONFIG_INVALID', `Vault transit key ${key} must be of type ecdsa-p256`)
  const minAvailable = typeof data['min_available_version'] === 'number' ? data['min_available_version'] : 0
  const keys = (data['keys'] ?? {}) as Record<string, { creation_time?: unknown; public_key?: unknown }>
  const versions: Version[] = []
  for (const [v, entry] of Object.entries(keys)) {
    const version = Number(v)
    if (!Number.isInteger(version) || version < minAvailable || typeof entry.public_key !== 'string') continue
    const exported = createPublicKey(entry.public_key).export({ format: 'jwk' })
    const kid = `${key}#v${version}`
    versions.push({
      version,
      createdAt: new Date(String(entry.creation_time)),
      jwk: { kty: 'EC', crv: 'P-256', x: String(exported.x), y: String(exported.y), kid, alg: 'ES256', use: 'sig' },
    })
  }
  if (versions.length === 0) throw new IdpError('INTERNAL', `Vault transit key ${key} has no usable version`)
  return versions.sort((a, b) => a.version - b.version)
}

/**
 * Creates the Vault Transit key store.
 *
 * @example
 * const keys = createVaultKeyStore({
 *   vault: { address: 'https://vault:8200', auth: { token: process.env.VAULT_TOKEN } },
 *   key: 'agentidp', activationDelaySeconds: 45, refreshIntervalMs: 30_000,
 * })
 * const idp = createIdp({ issuer, storage, keys })
 * @throws {IdpError} CONFIG_INVALID listing every invalid option.
 */
export function createVaultKeyStore(options: VaultKeyStoreOptions): KeyStore {
  const mount = options.mount ?? 'transit'
  const key = options.key ?? 'agentidp'
  const problems: string[] = []
  if (!PATH_SEGMENT.test(mount)) problems.push('mount must be a Vault path')
  if (!/^[A-Za-z0-9_.-]+$/.test(key)) problems.push('key must be a Vault key name ([A-Za-z0-9_.-])')
  for (const name of ['activationDelaySeconds', 'gracePeriodSeconds', 'refreshIntervalMs'] as const) {
    const v = options[name]
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) problems.push(`${name} must be a non-negative integer`)
  }
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const client = 'client' in options.vault ? options.vault.client : createVaultClient(options.vault)
  const clock = options.clock ?? (() => new Date())
  const delayMs = (options.activationDelaySeconds ?? 0) * 1000
  const graceMs = (options.gracePeriodSeconds ?? 172_800) * 1000
  const refreshMs = options.refreshIntervalMs ?? 30_000
  const createIfMissing = options.createIfMissing ?? true

  let loaded: { at: number; versions: Version[] } | undefined
  let loading: Promise<Version[]> | undefined

  const activation = (v: Version, first: number) => (v.version === first ? v.createdAt.getTime() : v.createdAt.getTime() + delayMs)

  const read = async (): Promise<Version[]> => {
    let res = await client.request({ method: 'GET', path: `${mount}/keys/${key}` })
    if (res.status === 404 && createIfMissing) {
      await client.request({ method: 'POST', path: `${mount}/keys/${key}`, body: { type: 'ecdsa-p256' } })
      res = await client.request({ method: 'GET', path: `${mount}/keys/${key}` })
    }
    const data = res.body?.['data']
    if (res.status !== 200 || typeof data !== 'object' || data === null) {
      throw new IdpError('DEPENDENCY_UNAVAILABLE', `Vault transit key ${key} is not readable`)
    }
    const versions = parseVersions(key, data as Record<string, unknown>)
    loaded = { at: Date.now(), versions }
    return versions
  }
  const ensure = async (force = false): Promise<Version[]> => {
    if (!force && loaded !== undefined && Date.now() - loaded.at < refreshMs) return loaded.versions
    loading ??= read().finally(() => {
      loading = undefined
    })
    return loading
  }

  const makeSigner = (v: Version, first: number): Signer => ({
    kid: v.jwk.kid,
    alg: 'ES256',
    activatesAt: new Date(activation(v, first)),
    async sign(data) {
      const res = await client.request({
        method: 'POST',
        path: `${mount}/sign/${key}/sha2-256`,
        body: { input: Buffer.from(data).toString('base64'), key_version: v.version, marshaling_algorithm: 'jws' },
      })
      const signature = (res.body?.['data'] as { signature?: unknown } | undefined)?.signature
      const m = typeof signature === 'string' ? /^vault:v(\d+):([A-Za-z0-9_-]+)$/.exec(signature) : null
      const raw = m?.[2] === undefined ? undefined : Buffer.from(m[2], 'base64url')
      // Fail closed on anything unexpected: never hand core a signature of the wrong key or shape.
      if (res.status !== 200 || m === null || Number(m[1]) !== v.version || raw?.length !== 64) {
        throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Vault did not sign')
      }
      return new Uint8Array(raw)
    },
  })

  const signerAt = (versions: Version[], now: number): Signer => {
    const first = versions[0]?.version ?? 1
    let best = versions[0]
    for (const v of versions) if (activation(v, first) <= now) best = v
    if (best === undefined) throw new IdpError('INTERNAL', 'No signing key version')
    return makeSigner(best, first)
  }

  return {
    async current() {
      return signerAt(await ensure(), clock().getTime())
    },
    async publicKeys() {
      const versions = await ensure()
      const now = clock().getTime()
      const first = versions[0]?.version ?? 1
      const signing = signerAt(versions, now)
      return versions
        .filter((v, i) => {
          if (v.jwk.kid === signing.kid || activation(v, first) > now) return true
          const successor = versions[i + 1]
          // Superseded: published until `gracePeriodSeconds` after its successor started signing.
          return successor !== undefined && activation(successor, first) + graceMs > now
        })
        .map((v) => v.jwk)
    },
    async rotate() {
      await client.request({ method: 'POST', path: `${mount}/keys/${key}/rotate`, idempotent: false })
      const versions = await ensure(true)
      const latest = versions[versions.length - 1]
      if (latest === undefined) throw new IdpError('INTERNAL', 'No signing key version after rotation')
      return makeSigner(latest, versions[0]?.version ?? 1)
    },
    async refresh() {
      await ensure(true)
    },
    async ping() {
      await ensure(true)
    },
  }
}
