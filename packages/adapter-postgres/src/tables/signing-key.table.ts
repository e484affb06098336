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
  /** Added by migration 0005; `null` = active from `created_at`. */
  activates_at: Date | null
}
