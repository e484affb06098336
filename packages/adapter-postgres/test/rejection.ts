/** The `IdpError` that `promise` rejects with; throws when it resolves or rejects with anything else. */
import { isIdpError, type IdpError } from '@sentryagent/core'

export async function rejection(promise: Promise<unknown>): Promise<IdpError<string>> {
  try {
    await promise
  } catch (err) {
    if (isIdpError(err)) return err
    throw err
  }
  throw new Error('expected a rejection')
}
