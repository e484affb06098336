/**
 * `npm run client:generate`: regenerates `packages/client/src/generated/openapi.ts` from the
 * reference server's OpenAPI document (see `client-types.ts`).
 *
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { generateClientTypes } from './client-types.js'

const target = new URL('../../../packages/client/src/generated/openapi.ts', import.meta.url)
await writeFile(target, await generateClientTypes())
process.stdout.write(`wrote ${target.pathname}\n`)
