/**
 * The one schema kit (TypeBox) every concept's schemas are built with: strict objects (unknown
 * fields rejected, SPEC §1), literal unions, ids, instants, scopes, pagination with its defaults,
 * and the generic page, list and error shapes. Concept schemas live next to their operations
 * (`agents/agent-schemas.ts`, …); `schemas.ts` gathers them into the public `schemas` namespace.
 *
 * @module
 */
import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'
import { SCOPES, type PageQuery } from './model.js'

export const strict = { additionalProperties: false } as const
export const literalUnion = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description === undefined ? {} : { description },
  ) as unknown as TUnion<TLiteral<T[number]>[]>

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })
export const DateTime = Type.String({ format: 'date-time' })
/**
 * An authorization scope (SPEC §2): `resource:action`. Which scopes exist depends on the IdP (core's
 * plus its extensions'); core checks membership and answers VALIDATION_ERROR for unknown ones.
 */
export const ScopeSchema = Type.String({
  minLength: 3,
  maxLength: 64,
  pattern: '^[a-z][a-z0-9_-]*:[a-z0-9_*.-]+$',
  description: `An authorization scope (SPEC §2), e.g. ${SCOPES.join(', ')}, or one an installed plugin adds.`,
})
/** Most scopes one agent or delegation may list. */
export const MAX_SCOPES = 64
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$'

/** `limit` (1–100, default 20) and opaque `cursor` of every paginated list query. */
export const pageParams = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
}

/**
 * The storage page of a validated list query: the schema's own `limit` default applies when the
 * query has none (the HTTP validator applies it too; library callers may omit it).
 *
 * @example
 * await deps.storage.agents.list(orgId, filter, pageOf(query))
 */
export function pageOf(query: { limit?: number | undefined; cursor?: string | undefined }): PageQuery {
  return { limit: query.limit ?? pageParams.limit.default, cursor: query.cursor }
}

/**
 * `{ items, nextCursor }`: a page of `item` (cursor pagination).
 *
 * @example
 * response: { 200: PageOf(AgentView) }
 */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) }, strict)

/**
 * `{ items }`: a complete, unpaginated list of `item`.
 *
 * @example
 * response: { 200: ItemsOf(CredentialView) }
 */
export const ItemsOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) }, strict)

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String(),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem' },
)

export const OAuthErrorSchema = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { $id: 'OAuthError' },
)
