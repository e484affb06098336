/**
 * Heading anchors as GitHub computes them, so that one `page.md#anchor` link works both on GitHub
 * and in the site: lower case, punctuation other than `-` and `_` dropped, each space a `-`.
 */
export const githubSlug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-')
