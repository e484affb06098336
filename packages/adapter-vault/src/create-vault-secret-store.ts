/**
 * `SecretStore` on Vault KV version 2: each secret is `<mount>/data/<pathPrefix><name>` holding
 * `{ value: <base64> }`; `put` writes a new version, `delete` removes every version and the
 * metadata (`DELETE <mount>/metadata/…`), so a deleted secret cannot be undeleted.
 *
 * @module
 */
import { IdpError, type SecretStore } from '@sentryagent/core'
import { createVaultClient, type VaultClient, type VaultClientOptions } from './vault-client.js'

/** Options of {@link createVaultSecretStore}. */
export interface VaultSecretStoreOptions {
  vault: VaultClientOptions | { client: VaultClient }
  /** KV v2 mount path. @default 'secret' */
  mount?: string | undefined
  /** Prepended to every name, e.g. `agentidp/`. @default 'agentidp/' */
  pathPrefix?: string | undefined
}

const NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/

/**
 * Creates the Vault KV v2 secret store.
 *
 * @example
 * const secrets = createVaultSecretStore({ vault: { address, auth: { token } }, mount: 'secret' })
 * await secrets.put('webhooks/wh_1', randomBytes(32))
 * @throws {IdpError} CONFIG_INVALID for an invalid mount or prefix.
 */
export function createVaultSecretStore(options: VaultSecretStoreOptions): SecretStore {
  const mount = options.mount ?? 'secret'
  const prefix = options.pathPrefix ?? 'agentidp/'
  if (!NAME.test(mount) || (prefix !== '' && !NAME.test(prefix.replace(/\/$/, '')))) {
    throw new IdpError('CONFIG_INVALID', 'mount and pathPrefix must be Vault paths')
  }
  const client = 'client' in options.vault ? options.vault.client : createVaultClient(options.vault)
  const path = (name: string) => {
    // Names become URL path segments: reject traversal and anything outside the safe alphabet.
    if (!NAME.test(name) || name.split('/').some((s) => s === '.' || s === '..')) {
      throw new IdpError('INVALID_REQUEST', 'Invalid secret name')
    }
    return `${prefix}${name}`
  }

  return {
    async get(name) {
      const res = await client.request({ method: 'GET', path: `${mount}/data/${path(name)}` })
      if (res.status === 404) return null
      const data = (res.body?.['data'] as { data?: { value?: unknown } | null } | undefined)?.data
      if (data === null || data === undefined) return null
      if (typeof data.value !== 'string') throw new IdpError('INTERNAL', 'Vault secret has no value')
      return new Uint8Array(Buffer.from(data.value, 'base64'))
    },
    async put(name, value) {
      await client.request({ method: 'POST', path: `${mount}/data/${path(name)}`, body: { data: { value: Buffer.from(value).toString('base64') } } })
    },
    async delete(name) {
      await client.request({ method: 'DELETE', path: `${mount}/metadata/${path(name)}` })
    },
  }
}
