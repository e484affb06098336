/**
 * `npm run docs:api`: regenerates `docs/api.md` from the code (see `api-reference.ts`).
 *
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { generateApiReference } from './api-reference.js'

const target = new URL('../../../docs/api.md', import.meta.url)
await writeFile(target, await generateApiReference())
process.stdout.write(`wrote ${target.pathname}\n`)
