/**
 * `npm run docs:api`: regenerates the reference pages under `docs/` (`api.md`, `reference/*.md`)
 * from the code (see `api-reference.ts`).
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateReferencePages } from './api-reference.js'

const docs = new URL('../../../docs/', import.meta.url)
for (const [path, content] of Object.entries(await generateReferencePages())) {
  const target = fileURLToPath(new URL(path, docs))
  await mkdir(dirname(target), { recursive: true })
  await writeFile(target, content)
  process.stdout.write(`wrote ${target}\n`)
}
