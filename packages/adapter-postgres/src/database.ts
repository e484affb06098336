/**
 * The Kysely database type of the adapter: every table the migrations create.
 *
 * @module
 */
import type { AgentTable } from './tables/agent.table.js'
import type { AgentKeyTable } from './tables/agent-key.table.js'
import type { AuditCheckpointTable } from './tables/audit-checkpoint.table.js'
import type { AuditConsumerTable } from './tables/audit-consumer.table.js'
import type { AuditEventTable } from './tables/audit-event.table.js'
import type { CredentialTable } from './tables/credential.table.js'
import type { DelegationTable } from './tables/delegation.table.js'
import type { JobRunTable } from './tables/job-run.table.js'
import type { MemberTable } from './tables/member.table.js'
import type { OrganizationTable } from './tables/organization.table.js'
import type { RevokedTokenTable } from './tables/revoked-token.table.js'
import type { SigningKeyTable } from './tables/signing-key.table.js'

/** Tables of `@sentryagent/adapter-postgres`, keyed by SQL name. */
export interface Database {
  organizations: OrganizationTable
  organization_members: MemberTable
  agents: AgentTable
  agent_keys: AgentKeyTable
  credentials: CredentialTable
  signing_keys: SigningKeyTable
  revoked_tokens: RevokedTokenTable
  delegations: DelegationTable
  audit_events: AuditEventTable
  audit_checkpoints: AuditCheckpointTable
  audit_consumers: AuditConsumerTable
  job_runs: JobRunTable
}
