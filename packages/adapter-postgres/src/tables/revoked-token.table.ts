/**
 * Kysely row type of `revoked_tokens`; primary key `jti`.
 *
 * @module
 */
export interface RevokedTokenTable {
  jti: string
  organization_id: string
  expires_at: Date
  revoked_at: Date
}
