/**
 * Async iteration over the IdP's cursor-paginated lists (`{ items, nextCursor }`).
 *
 * @module
 */
import type { Page } from './model.js'

/**
 * Yields every item of every page, following `nextCursor` until it is `null`; the next page is
 * fetched only when the consumer asks for more.
 *
 * @example
 * for await (const agent of paginate((cursor) => client.agents.list({ cursor, limit: 100 }))) console.log(agent.name)
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined
  do {
    const page = await fetchPage(cursor)
    yield* page.items
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
}
