/**
 * Matching a verified token's claims against a trust policy's conditions, and the breadth rules a
 * policy must pass at creation (a policy on a multi-tenant issuer such as GitHub must pin the
 * repository or its owner: "any GitHub workflow" is never a valid trust).
 *
 * @module
 */
import { globMatch, isValidGlob, parseGlob } from './glob.js'
import type { ClaimCondition } from './model.js'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
export const GITLAB_ISSUER = 'https://gitlab.com'

/** The claim at `path` (a name, or a path into nested objects), or `undefined`. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string | readonly string[]): unknown {
  const parts = typeof path === 'string' ? [path] : path
  let value: unknown = claims
  for (const part of parts) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** `true` when the claim is a string that equals or matches the condition. Non-string claims never match. */
export function conditionMatches(condition: ClaimCondition, claims: Readonly<Record<string, unknown>>): boolean {
  const value = claimAt(claims, condition.claim)
  if (typeof value !== 'string') return false
  if (condition.equals !== undefined) return value === condition.equals
  if (condition.glob !== undefined) return globMatch(condition.glob, value)
  return false
}

/** `true` when every condition matches (a policy without conditions never matches). */
export function conditionsMatch(conditions: readonly ClaimCondition[], claims: Readonly<Record<string, unknown>>): boolean {
  return conditions.length > 0 && conditions.every((c) => conditionMatches(c, claims))
}

/** The literal text of a glob before its first wildcard. */
function literalPrefix(glob: string): string {
  let prefix = ''
  for (const t of parseGlob(glob) ?? []) {
    if (t.kind !== 'char') break
    prefix += t.ch
  }
  return prefix
}

const claimName = (c: ClaimCondition): string => (typeof c.claim === 'string' ? c.claim : c.claim.join('.'))

/**
 * Problems of a policy's conditions (empty when acceptable): each condition has exactly one of
 * `equals`/`glob`, globs are valid, and a policy on GitHub's or GitLab's shared issuer pins its
 * tenant — an exact repository/project/owner, or a `sub`/path glob whose literal part fixes the owner.
 */
export function conditionProblems(issuer: string, conditions: readonly ClaimCondition[]): string[] {
  const problems: string[] = []
  if (conditions.length === 0) problems.push('at least one condition is required')
  conditions.forEach((c, i) => {
    if ((c.equals === undefined) === (c.glob === undefined)) problems.push(`conditions/${i}: exactly one of equals or glob`)
    if (c.glob !== undefined && !isValidGlob(c.glob)) problems.push(`conditions/${i}: the glob ends with a dangling escape`)
  })
  const pins = (exact: readonly string[], prefixed: readonly string[]) =>
    conditions.some(
      (c) =>
        typeof c.claim === 'string' &&
        ((c.equals !== undefined && (exact.includes(c.claim) || prefixed.includes(c.claim)) && c.equals !== '') ||
          (c.glob !== undefined && prefixed.includes(c.claim) && ownerFixed(c.claim, literalPrefix(c.glob)))),
    )
  if (issuer === GITHUB_ISSUER && !pins(['repository_owner', 'repository_owner_id', 'repository_id'], ['repository', 'sub', 'job_workflow_ref'])) {
    problems.push(
      'a GitHub Actions policy must pin the repository or its owner: repository_owner, repository_owner_id or repository_id exactly, or repository, sub or job_workflow_ref with the owner spelled out (e.g. "acme/*")',
    )
  }
  if (issuer === GITLAB_ISSUER && !pins(['namespace_id', 'project_id', 'namespace_path'], ['project_path', 'sub'])) {
    problems.push('a GitLab policy must pin the project or namespace: namespace_id, project_id or namespace_path exactly, or project_path or sub with the namespace spelled out')
  }
  return problems
}

/** For a glob on `claim`, `true` when its literal prefix already names the owner (`acme/`, `repo:acme/`, `project_path:acme/`). */
function ownerFixed(claim: string, prefix: string): boolean {
  if (claim === 'sub') return /^(repo|project_path):[^/*:]+\//.test(prefix)
  return /^[^/*:]+\//.test(prefix)
}

export { claimName }
