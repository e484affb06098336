/**
 * JSON Schemas of organizations and their members (SPEC §3).
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'
import { PLAN_TIERS } from '../model.js'
import { DateTime, Id, literalUnion, strict } from '../schema-kit.js'

export const OrganizationView = Type.Object(
  {
    organizationId: Type.String(),
    name: Type.String(),
    slug: Type.String(),
    planTier: literalUnion(PLAN_TIERS),
    maxAgents: Type.Union([Type.Integer(), Type.Null()]),
    status: literalUnion(['active', 'suspended'] as const),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Organization', ...strict },
)
export type OrganizationView = Static<typeof OrganizationView>

export const CreateOrganizationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9-]+$' }),
    planTier: Type.Optional(literalUnion(PLAN_TIERS)),
  },
  strict,
)
export type CreateOrganizationBody = Static<typeof CreateOrganizationBody>

export const UpdateOrganizationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    planTier: Type.Optional(literalUnion(PLAN_TIERS)),
    status: Type.Optional(literalUnion(['active', 'suspended'] as const)),
  },
  { ...strict, minProperties: 1 },
)
export type UpdateOrganizationBody = Static<typeof UpdateOrganizationBody>

export const MemberView = Type.Object(
  {
    organizationId: Type.String(),
    agentId: Type.String(),
    role: literalUnion(['member', 'admin'] as const),
    createdAt: DateTime,
  },
  { $id: 'OrganizationMember', ...strict },
)
export type MemberView = Static<typeof MemberView>

export const AddMemberBody = Type.Object(
  { agentId: Id, role: Type.Optional(literalUnion(['member', 'admin'] as const)) },
  strict,
)
export type AddMemberBody = Static<typeof AddMemberBody>
