/**
 * Kysely row type of `delegations` (SPEC §8): one row per link of a delegation chain.
 *
 * @module
 */

export interface DelegationTable {
  chain_id: string
  organization_id: string
  delegator_agent_id: string
  delegatee_agent_id: string
  scopes: string[]
  max_depth: number
  depth: number
  parent_chain_id: string | null
  root_chain_id: string
  issued_at: Date
  expires_at: Date
  revoked_at: Date | null
}
