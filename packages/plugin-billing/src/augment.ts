/**
 * Types `tx.ext('billing')` inside this package. Kept out of the public declarations (nothing
 * imports this file; the package's tsconfig includes it) so that a program that installs the
 * plugin keeps typing its own storage extensions.
 *
 * @module
 */
import type { BillingRepository } from './storage.js'

declare module '@sentryagent/core' {
  interface StorageExtensions {
    billing: BillingRepository
  }
}
