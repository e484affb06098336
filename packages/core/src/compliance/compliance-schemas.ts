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
      { verified: Type.Boolean(), checkedCount: Type.Integer(), headHash: Type.Union([Type.String(), Type.Null()]) },
      strict,
    ),
    agntcyConformance: Type.Boolean(),
    checks: Type.Array(ComplianceCheckView),
  },
  { $id: 'ComplianceReport', ...strict },
)
export type ComplianceReportView = Static<typeof ComplianceReportView>

export const ComplianceControlView = Type.Object(
  { id: Type.String(), title: Type.String(), description: Type.String(), references: Type.Array(Type.String()) },
  strict,
)
export type ComplianceControlView = Static<typeof ComplianceControlView>

export const ComplianceAgentCardsQuery = Type.Object(
  {
    ...pageParams,
  },
  strict,
)
export type ComplianceAgentCardsQuery = Static<typeof ComplianceAgentCardsQuery>

/** Path parameter of the public DID routes. */
export const AgentIdParam = Id
