import { Type } from '@sinclair/typebox'

/** `limit` (1–100, default 20) and opaque `cursor` of every paginated list query. */
export const pageParams = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
}
