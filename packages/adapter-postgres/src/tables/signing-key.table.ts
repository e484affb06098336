/**
 * Kysely row type of `signing_keys` (the IdP's own keys; not scoped by organization).
 *
 * @module
 */
export interface SigningKeyTable {
  kid: string
  alg: 'ES256'
  public_jwk: string
  encrypted_private_jwk: string
  status: 'current' | 'retired'
  created_at: Date
  not_after: Date | null
}
