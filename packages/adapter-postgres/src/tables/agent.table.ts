/**
 * Kysely row type of `agents`. `email` is unique per organization when not null.
 *
 * @module
 */
import type { AgentStatus, AgentType, DeploymentEnv } from '@sentryagent/core'

export interface AgentTable {
  agent_id: string
  organization_id: string
  name: string
  email: string | null
  agent_type: AgentType
  version: string
  /** `text[]` */
  capabilities: string[]
  owner: string
  deployment_env: DeploymentEnv
  description: string | null
  /** `text[]` */
  scopes: string[]
  is_public: boolean
  status: AgentStatus
  created_at: Date
  updated_at: Date
}
