/** The committed typed REST layer of `@sentryagent/client` is exactly what the server generates (`npm run client:generate`). */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { generateClientTypes } from '../src/client-types.js'

describe('packages/client/src/generated/openapi.ts', () => {
  it('matches the OpenAPI document of the reference server with every plugin enabled', async () => {
    const committed = await readFile(new URL('../../../packages/client/src/generated/openapi.ts', import.meta.url), 'utf8')
    const generated = await generateClientTypes()
    expect(generated).toContain('"/api/v1/agents/{agentId}/credentials/{credentialId}/rotate": {')
    expect(generated).toContain('AuditEvent: {')
    expect(committed, 'packages/client/src/generated/openapi.ts is stale: run `npm run client:generate`').toBe(generated)
  })
})
