/**
 * The Vault key store (Transit) and secret store (KV v2) pass the core contract suites against the
 * Vault-API-faithful stand-in, and against a real Vault when `VAULT_ADDR` and `VAULT_TOKEN` are set
 * (otherwise that half is reported as skipped).
 */
import { randomBytes } from 'node:crypto'
import { describeKeyStoreContract, describeSecretStoreContract } from '@sentryagent/core/testing'
import { afterAll, beforeAll, describe } from 'vitest'
import { createVaultKeyStore, createVaultSecretStore } from '../src/index.js'
import { startVaultStandIn, type VaultStandIn } from './vault-stand-in.js'

const unique = () => `agentidp-test-${randomBytes(6).toString('hex')}`

let standIn: VaultStandIn
beforeAll(async () => {
  standIn = await startVaultStandIn()
})
afterAll(async () => {
  await standIn.stop()
})

const standInVault = () => ({ address: standIn.address, auth: { token: standIn.rootToken } })
describeKeyStoreContract('vault transit (stand-in)', async () => ({
  keys: createVaultKeyStore({ vault: standInVault(), key: unique() }),
  teardown: async () => undefined,
}))
describeSecretStoreContract('vault kv v2 (stand-in)', async () => ({
  secrets: createVaultSecretStore({ vault: standInVault(), pathPrefix: `${unique()}/` }),
  teardown: async () => undefined,
}))

const realAddress = process.env['VAULT_ADDR']
const realToken = process.env['VAULT_TOKEN']
if (realAddress !== undefined && realToken !== undefined) {
  const real = {
    address: realAddress,
    auth: { token: realToken },
    ...(process.env['VAULT_NAMESPACE'] === undefined ? {} : { namespace: process.env['VAULT_NAMESPACE'] }),
  }
  describeKeyStoreContract('vault transit (real Vault)', async () => ({
    keys: createVaultKeyStore({ vault: real, mount: process.env['VAULT_TRANSIT_MOUNT'] ?? 'transit', key: unique() }),
    teardown: async () => undefined,
  }))
  describeSecretStoreContract('vault kv v2 (real Vault)', async () => ({
    secrets: createVaultSecretStore({ vault: real, mount: process.env['VAULT_KV_MOUNT'] ?? 'secret', pathPrefix: `${unique()}/` }),
    teardown: async () => undefined,
  }))
} else {
  describe.skip('real Vault: set VAULT_ADDR and VAULT_TOKEN to run the contract suites against it', () => undefined)
}
