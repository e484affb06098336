/**
 * Agent-to-agent delegation, SPEC §8: a delegator hands a delegatee a narrower, time-boxed slice of
 * its scopes (`delegate`), anyone holding the token may check it (`verifyDelegation`), the
 * delegatee redeems it by token exchange (`TokenManager.exchange`), the delegator revokes the chain.
 *
 * @module
 */
import type { CreateDelegationInput, Delegation, DelegationVerification } from '../model.js'
import { unwrap, unwrapEmpty } from '../unwrap.js'
import type { ApiClient } from './api-client.js'

/** The delegation calls of the client. */
export interface DelegationResource {
  /** Delegates `scopes` (⊆ the caller's) to `delegateeAgentId` for `ttlSeconds` (needs `delegation:write`). */
  delegate(input: CreateDelegationInput): Promise<Delegation>
  /** `{ valid: false, reason }` for expired, revoked or unknown tokens — never an error for those. */
  verifyDelegation(delegationToken: string): Promise<DelegationVerification>
  /** Revokes the chain, its sub-delegations and every token derived from them. */
  revokeDelegation(chainId: string): Promise<void>
}

/** Builds the delegation calls over the typed REST layer. */
export function delegationResource(api: ApiClient): DelegationResource {
  return {
    delegate: (input) => unwrap(api.POST('/oauth2/token/delegate', { body: input })),
    verifyDelegation: (delegationToken) => unwrap(api.POST('/oauth2/token/verify-delegation', { body: { delegationToken } })),
    revokeDelegation: (chainId) => unwrapEmpty(api.DELETE('/oauth2/token/delegate/{chainId}', { params: { path: { chainId } } })),
  }
}
