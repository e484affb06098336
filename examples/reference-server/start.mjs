// @ts-check
/**
 * `npm start`: runs the reference server from its TypeScript sources with no loader left in the
 * process. tsx's loader keeps a hooks thread and every transformed module alive for the life of
 * the server (~60 MiB); here esbuild (tsx's own copy) compiles the sources once at start into one
 * module, imported from memory:
 *
 * - TypeScript (this repository's packages, through the `@sentryagent/source` condition) is
 *   bundled; every module keeps its own `import.meta.url`, so files found next to a source (the
 *   console's UI, the PGlite worker) are found as before.
 * - JavaScript dependencies stay external, imported by absolute URL from where Node would find
 *   them for the importing source file (a package's own nested `node_modules` included).
 * - Stack traces point at the TypeScript sources (source map).
 *
 * WebAssembly (the embedded PGlite database) runs on V8's baseline compiler only: its optimised
 * code for PostgreSQL took ~50–75 MiB and gave no measurable throughput (`bench/results/latest.md`).
 *
 * @module
 */
import { rmSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { createRequire, isBuiltin } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--liftoff-only') // before any WebAssembly module is compiled
process.setSourceMapsEnabled(true)

/** @typedef {typeof import('esbuild')} Esbuild */
const require = createRequire(import.meta.url)
const esbuild = /** @type {Esbuild} */ (createRequire(require.resolve('tsx'))('esbuild'))

/** @type {import('esbuild').Plugin} */
const sourcesOnly = {
  name: 'sentryagent-sources-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (isBuiltin(args.path) || args.pluginData === 'resolving') return undefined
      const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' })
      if (found.errors.length > 0 || /\.tsx?$/.test(found.path)) return undefined
      return { path: pathToFileURL(found.path).href, external: true }
    })
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
      for (const [call, , specifier] of contents.matchAll(/import\.meta\.resolve\((['"])([^'"]+)\1\)/g)) {
        const found = await build.resolve(/** @type {string} */ (specifier), { kind: 'import-statement', importer: args.path, resolveDir: dirname(args.path), pluginData: 'resolving' })
        if (found.errors.length > 0) return { errors: found.errors }
        contents = contents.replaceAll(call, JSON.stringify(pathToFileURL(found.path).href))
      }
      return { contents, loader: 'ts' }
    })
  },
}

const result = await esbuild.build({
  entryPoints: [fileURLToPath(new URL('./src/server.ts', import.meta.url))],
  bundle: true,
  write: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@sentryagent/source'],
  sourcemap: 'linked',
  outfile: 'server.mjs',
  logLevel: 'error',
  plugins: [sourcesOnly],
})
await esbuild.stop()
const bundle = result.outputFiles.find((file) => file.path.endsWith('.mjs'))
if (bundle === undefined || bundle.text.includes('import.meta')) {
  // A source module's `import.meta` would now describe the bundle: only `.url` and a literal
  // `.resolve(...)` are rewritten above.
  throw new Error('start: a source module uses import.meta in a way this launcher cannot preserve')
}
// Written to a private directory for the import, then removed at once (synchronously: the server
// may exit on its own right after): the module and its source map stay in memory.
const dir = await mkdtemp(join(tmpdir(), 'sentryagent-'))
try {
  for (const file of result.outputFiles) await writeFile(join(dir, basename(file.path)), file.contents)
  await import(pathToFileURL(join(dir, basename(bundle.path))).href)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
