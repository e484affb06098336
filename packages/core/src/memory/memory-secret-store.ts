import type { SecretStore } from '../ports/secrets.js'

/**
 * In-process {@link SecretStore} for development and tests; values are copied in and out so callers
 * cannot mutate stored secrets.
 *
 * @example
 * const secrets = createMemorySecretStore()
 * await secrets.put('webhook:123', new TextEncoder().encode('s3cret'))
 */
export function createMemorySecretStore(): SecretStore {
  const values = new Map<string, Uint8Array>()
  return {
    async get(name) {
      const v = values.get(name)
      return v === undefined ? null : new Uint8Array(v)
    },
    async put(name, value) {
      values.set(name, new Uint8Array(value))
    },
    async delete(name) {
      values.delete(name)
    },
  }
}
