/** The committed API reference is exactly what the code generates (`npm run docs:api`). */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { generateApiReference } from '../src/api-reference.js'

describe('docs/api.md', () => {
  it('matches the routes, scopes, error codes and audit actions of the code', async () => {
    const committed = await readFile(new URL('../../../docs/api.md', import.meta.url), 'utf8')
    const generated = await generateApiReference()
    expect(generated).toContain('| `POST` | `/oauth2/token` | client |')
    expect(generated).toContain('| `INVALID_CLIENT` | 401 | `invalid_client` |')
    expect(committed, 'docs/api.md is stale: run `npm run docs:api`').toBe(generated)
  })
})
