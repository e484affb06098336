/**
 * Kysely row type of `credentials`. `client_id` is globally unique.
 *
 * @module
 */
import type { CredentialStatus } from '@sentryagent/core'

export interface CredentialTable {
  credential_id: string
  organization_id: string
  agent_id: string
  client_id: string
  secret_hash: string
  generation: number
  status: CredentialStatus
  created_at: Date
  updated_at: Date
  expires_at: Date | null
  revoked_at: Date | null
}
