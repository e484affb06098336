import { defineConfig } from 'tsup'

/**
 * The tsup build every publishable package shares: ESM for Node 20 with bundled declarations.
 * The tsconfigs are `composite` (for `tsc --build`); the dts bundler compiles entries, not a
 * project, hence `composite: false` there.
 */
export function packageConfig(entry: string[] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: { compilerOptions: { composite: false } },
    clean: true,
    sourcemap: true,
    target: 'node20',
  })
}
