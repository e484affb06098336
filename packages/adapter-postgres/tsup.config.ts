import { packageConfig } from '../../tsup.config.base.js'

// The worker thread's entry is its own file: PGlite in a worker loads it by URL, next to index.js.
export default packageConfig(['src/index.ts', 'src/pglite-worker.ts'])
