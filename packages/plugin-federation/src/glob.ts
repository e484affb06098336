/**
 * Claim conditions of trust policies: exact equality, or an **anchored glob**.
 *
 * Glob semantics (the whole value must match; nothing is a regular expression):
 * - `*` matches any run (possibly empty) of characters other than `/` and `:` — one segment of a
 *   path (`refs/heads/*`), a repository name (`acme/*`), a SPIFFE path element or a Kubernetes
 *   name (`system:serviceaccount:ci:*`). It never crosses the separators of those identifiers, so
 *   `repo:acme/*` cannot match `repo:acme/app:ref:refs/heads/main`.
 * - `**` matches any run of characters, separators included (`refs/heads/release/**`).
 * - `\` escapes the next character (`\*` is a literal star, `\\` a backslash).
 * - Every other character matches itself, case-sensitively.
 *
 * Matching is a dynamic programme over (pattern token, value position): linear in the product of
 * the lengths, which are bounded by the schemas (patterns ≤ 512, claims ≤ 4096 characters), so no
 * input backtracks exponentially.
 *
 * @module
 */

/** Characters a single `*` never matches. */
export const SEGMENT_SEPARATORS: ReadonlySet<string> = new Set(['/', ':'])

type Token = { kind: 'char'; ch: string } | { kind: 'star' } | { kind: 'globstar' }

/** The tokens of a glob; `null` when it ends with a dangling `\`. */
export function parseGlob(pattern: string): Token[] | null {
  const tokens: Token[] = []
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
    if (c === '\\') {
      const next = chars[i + 1]
      if (next === undefined) return null
      tokens.push({ kind: 'char', ch: next })
      i++
    } else if (c === '*') {
      if (chars[i + 1] === '*') {
        // `***…` is one globstar.
        while (chars[i + 1] === '*') i++
        tokens.push({ kind: 'globstar' })
      } else tokens.push({ kind: 'star' })
    } else tokens.push({ kind: 'char', ch: c })
  }
  return tokens
}

/** `true` when `pattern` is a valid glob (no dangling escape). */
export function isValidGlob(pattern: string): boolean {
  return parseGlob(pattern) !== null
}

/** `true` when `pattern` contains an unescaped wildcard. */
export function hasWildcard(pattern: string): boolean {
  return (parseGlob(pattern) ?? []).some((t) => t.kind !== 'char')
}

/**
 * `true` when the whole of `value` matches `pattern` (see the module comment). An invalid pattern
 * matches nothing.
 *
 * @example
 * globMatch('refs/heads/*', 'refs/heads/main')          // true
 * globMatch('refs/heads/*', 'refs/heads/feature/x')     // false: * stops at /
 * globMatch('refs/heads/**', 'refs/heads/feature/x')    // true
 */
export function globMatch(pattern: string, value: string): boolean {
  const tokens = parseGlob(pattern)
  if (tokens === null) return false
  const chars = Array.from(value)
  const n = chars.length
  // reach[j]: the tokens consumed so far can match exactly chars[0..j).
  let reach = new Array<boolean>(n + 1).fill(false)
  reach[0] = true
  for (const token of tokens) {
    const next = new Array<boolean>(n + 1).fill(false)
    if (token.kind === 'char') {
      for (let j = 0; j < n; j++) if (reach[j] === true && chars[j] === token.ch) next[j + 1] = true
    } else {
      // A star extends any reachable prefix over characters it may match.
      let open = false
      for (let j = 0; j <= n; j++) {
        if (reach[j] === true) open = true
        if (open) next[j] = true
        const c = chars[j]
        if (c !== undefined && token.kind === 'star' && SEGMENT_SEPARATORS.has(c)) open = false
      }
    }
    reach = next
    if (!reach.includes(true)) return false
  }
  return reach[n] === true
}
