/**
 * Core's generic response shapes, re-exported so that a plugin's routes import every schema
 * helper from the binding.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'

/** `{ items, nextCursor }` page of a schema. @example response: { 200: PageOf(WebhookView) } */
export const PageOf = schemas.PageOf
/** `{ items }` list of a schema. @example response: { 200: ItemsOf(DeliveryView) } */
export const ItemsOf = schemas.ItemsOf
/** RFC 9457 problem details with `code`. */
export const ProblemSchema = schemas.ProblemSchema
