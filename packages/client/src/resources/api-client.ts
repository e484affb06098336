/**
 * The type of the generated REST layer every resource helper calls.
 *
 * @module
 */
import type { Client } from 'openapi-fetch'
import type { paths } from '../generated/openapi.js'

/** The typed REST layer (`openapi-fetch` over the generated `paths`). */
export type ApiClient = Client<paths>
