/**
 * The per-test fixture lifecycle every contract suite shares: `setup()` before each test, its
 * `teardown()` after it, and an accessor that fails loudly when used outside a test.
 *
 * @module
 */
import { afterEach, beforeEach } from 'vitest'

/** Registers the hooks inside the current `describe`; returns the accessor of the current fixture. */
export function useFixture<F extends { teardown(): Promise<void> }>(suite: string, setup: () => Promise<F>): () => F {
  let fixture: F | undefined
  beforeEach(async () => {
    fixture = await setup()
  })
  afterEach(async () => {
    const current = fixture
    fixture = undefined
    await current?.teardown()
  })
  return () => {
    if (fixture === undefined) throw new Error(`${suite}: setup() has not run`)
    return fixture
  }
}
