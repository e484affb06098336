/**
 * Kysely row type of `agent_keys`: agents' public JWKs. `(agent_id, kid)` is the primary key; no
 * private key material is ever stored.
 *
 * @module
 */
import type { AgentKeyStatus } from '@sentryagent/core'
import type { ColumnType } from 'kysely'

export interface AgentKeyTable {
  organization_id: string
  agent_id: string
  kid: string
  alg: string
  /** `jsonb`: written as text cast to jsonb (see `jsonb()`), read as an object. */
  public_jwk: ColumnType<Record<string, string>, unknown, unknown>
  status: AgentKeyStatus
  created_at: Date
  removed_at: Date | null
}
