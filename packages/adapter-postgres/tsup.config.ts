import { packageConfig } from '../../tsup.config.base.js'

// The worker thread's entry is its own file: PGlite in a worker loads it by URL, next to index.js;
// `testing` is the storage-targets helper for plugins' tests (`@sentryagent/adapter-postgres/testing`).
export default packageConfig(['src/index.ts', 'src/pglite-worker.ts', 'src/testing.ts'])
