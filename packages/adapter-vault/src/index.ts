/**
 * `@sentryagent/adapter-vault`: the core `KeyStore` on HashiCorp Vault Transit (keys never leave
 * Vault) and `SecretStore` on KV v2, over `fetch`, with token or AppRole auth and namespaces.
 *
 * @module
 */
export { createVaultKeyStore } from './create-vault-key-store.js'
export type { VaultKeyStoreOptions } from './create-vault-key-store.js'
export { createVaultSecretStore } from './create-vault-secret-store.js'
export type { VaultSecretStoreOptions } from './create-vault-secret-store.js'
export { createVaultClient } from './vault-client.js'
export type { VaultAuth, VaultClient, VaultClientOptions, VaultRequest, VaultResponse } from './vault-client.js'
