/**
 * Kysely row type of `organization_members`; primary key (organization_id, agent_id).
 *
 * @module
 */
import type { MemberRole } from '@sentryagent/core'

export interface MemberTable {
  organization_id: string
  agent_id: string
  role: MemberRole
  created_at: Date
}
