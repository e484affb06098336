/**
 * The token-exchange grant (RFC 8693) as a router: it reads `subject_token_type` and, for a JWT,
 * the subject token's issuer WITHOUT verifying it, and hands the request to the registered
 * {@link SubjectTokenValidator} for that pair, which verifies everything. Core's delegation
 * registers one validator (its own issuer); extensions register more (federation).
 *
 * Routing: validators that list the issuer explicitly win over validators whose `issuers` is a
 * predicate; among equals the first registered wins. A type no validator accepts is
 * `invalid_request`; a token no validator accepts is `invalid_grant`.
 *
 * @module
 */
import { decodeJwt } from 'jose'
import { IdpError } from '../../errors.js'
import type { GrantHandler, SubjectTokenValidator, TokenIssue } from '../../extensions/extension.js'
import type { Owned } from '../../extensions/registry.js'
import { invalidClient } from '../client-auth.js'

/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** RFC 8693 §3 token type identifiers. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/** Marks the extension that decided an issuance, so that its token binding names the right owner. */
export const DECIDED_BY: unique symbol = Symbol('sentryagent.decidedBy')

/** A {@link TokenIssue} possibly marked with the extension that decided it. */
export type MarkedIssue = TokenIssue & { [DECIDED_BY]?: string }

/** The unverified `iss` of a JWT, or `undefined` when `token` is not a JWT with a string issuer. */
function unverifiedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss
    return typeof iss === 'string' && iss !== '' ? iss : undefined
  } catch {
    return undefined
  }
}

/** The validator for (`type`, `issuer`), per the routing rule above. */
export function routeSubjectToken(
  validators: readonly Owned<SubjectTokenValidator>[],
  type: string,
  issuer: string | undefined,
): Owned<SubjectTokenValidator> | undefined {
  const typed = validators.filter((v) => v.entry.tokenTypes.includes(type))
  const issuers = (v: Owned<SubjectTokenValidator>) => v.entry.issuers
  if (issuer === undefined) return typed.find((v) => issuers(v) === undefined)
  return (
    typed.find((v) => { const i = issuers(v); return Array.isArray(i) && i.includes(issuer) }) ??
    typed.find((v) => { const i = issuers(v); return typeof i === 'function' && i(issuer) })
  )
}

/** Creates the token-exchange grant over the registered validators. */
export function createTokenExchangeGrant(validators: () => readonly Owned<SubjectTokenValidator>[]): GrantHandler {
  return {
    grantType: TOKEN_EXCHANGE_GRANT_TYPE,
    // Each validator decides; client credentials that are presented are always verified first.
    clientAuthentication: 'optional',
    async handle(req, api) {
      const subjectToken = req.requireParam('subject_token')
      const subjectTokenType = req.requireParam('subject_token_type')
      const requestedType = req.param('requested_token_type')
      if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) {
        throw new IdpError('INVALID_REQUEST', `Unsupported requested_token_type; only ${ACCESS_TOKEN_TYPE} is issued`)
      }
      const all = validators()
      if (!all.some((v) => v.entry.tokenTypes.includes(subjectTokenType))) {
        throw new IdpError('INVALID_REQUEST', 'Unsupported subject_token_type')
      }
      const issuer = unverifiedIssuer(subjectToken)
      const route = routeSubjectToken(all, subjectTokenType, issuer)
      if (route === undefined) throw new IdpError('INVALID_GRANT', 'The subject_token is not accepted by this server')
      if (route.entry.clientAuthentication === 'required' && req.client === null) {
        throw invalidClient('Client authentication is required')
      }
      const issue: MarkedIssue = await route.entry.exchange({ ...req, param: req.param, requireParam: req.requireParam, subjectToken, subjectTokenType, unverifiedIssuer: issuer }, api)
      if (route.owner !== 'core') issue[DECIDED_BY] = route.owner
      return issue
    },
  }
}
