/**
 * JSON Schemas of the compliance endpoints (SPEC §11).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { DateTime, Id, pageParams, strict } from '../schema-kit.js'

export const ComplianceCheckView = Type.Object(
  { id: Type.String(), description: Type.String(), passed: Type.Boolean(), details: Type.Record(Type.String(), Type.Unknown()) },
  strict,
)

export const ComplianceReportView = Type.Object(
  {
    organizationId: Type.String(),
    generatedAt: DateTime,
    agents: Type.Object(
      {
        total: Type.Integer(),
        active: Type.Integer(),
        withResolvableDid: Type.Integer(),
        withVerificationKey: Type.Integer(),
      },
      strict,
    ),
    auditChain: Type.Object(
      {
        verified: Type.Boolean(),
        checkedCount: Type.Integer(),
        headHash: Type.Union([Type.String(), Type.Null()]),
        mode: Type.Optional(Type.String()),
        checkpointSize: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        brokenAtEventId: Type.Optional(Type.String({ description: 'The first event whose hash does not verify' })),
      },
      strict,
    ),
    credentials: Type.Object(
      {
        active: Type.Integer(),
        expiringWithinDays: Type.Integer(),
        expiringSoon: Type.Array(
          Type.Object({ agentId: Type.String(), credentialId: Type.String(), clientId: Type.String(), expiresAt: DateTime }, strict),
          { description: 'Active credentials expiring within the window (at most 100 listed)' },
        ),
        expired: Type.Integer({ description: 'Active credentials past their expiry (refused at the token endpoint)' }),
      },
      strict,
    ),
    agntcyConformance: Type.Boolean(),
    agntcySpecVersion: Type.String({ description: 'Version of the agent-card specification checked (A2A protocol version)' }),
    warnings: Type.Array(Type.String()),
    checks: Type.Array(ComplianceCheckView),
  },
  { $id: 'ComplianceReport', ...strict },
)
export type ComplianceReportView = Static<typeof ComplianceReportView>

/** A control of the catalogue: stable id, what it is, and its framework mappings. */
export const ComplianceControlView = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    description: Type.String(),
    references: Type.Array(Type.String()),
    frameworks: Type.Object({ soc2: Type.Array(Type.String({ description: 'SOC 2 Trust Services Criteria (e.g. CC6.1)' })) }, strict),
  },
  strict,
)
export type ComplianceControlView = Static<typeof ComplianceControlView>

export const ComplianceControlStatus = Type.Union([Type.Literal('passing'), Type.Literal('failing'), Type.Literal('unknown')])
export type ComplianceControlStatus = Static<typeof ComplianceControlStatus>

/** A control with its live status (`GET /compliance/controls`). */
export const LiveComplianceControlView = Type.Object(
  {
    ...ComplianceControlView.properties,
    status: ComplianceControlStatus,
    lastChecked: Type.Union([DateTime, Type.Null()]),
    evidence: Type.Record(Type.String(), Type.Unknown(), { description: 'What was checked, with figures (platform-wide: no tenant data)' }),
  },
  { $id: 'ComplianceControl', ...strict },
)
export type LiveComplianceControlView = Static<typeof LiveComplianceControlView>

export const ComplianceAgentCardsQuery = Type.Object(
  {
    ...pageParams,
  },
  strict,
)
export type ComplianceAgentCardsQuery = Static<typeof ComplianceAgentCardsQuery>

/** Path parameter of the public DID routes. */
export const AgentIdParam = Id
