/**
 * The secret-store port: small opaque secrets at rest (webhook signing secrets, federation client
 * secrets). Memory in core; HashiCorp Vault KV v2 in `@sentryagent/adapter-vault`.
 *
 * @module
 */
export interface SecretStore {
  /** `null` when absent. */
  get(name: string): Promise<Uint8Array | null>
  /** Creates or replaces. */
  put(name: string, value: Uint8Array): Promise<void>
  /** Idempotent. */
  delete(name: string): Promise<void>
}
