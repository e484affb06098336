// Bundles each action into ONE CommonJS file (`<action>/dist/index.js`) for the node20 runtime.
import { build } from 'esbuild'

for (const action of ['issue-token', 'register-agent']) {
  await build({
    entryPoints: [`src/${action}.ts`],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: `${action}/dist/index.js`,
    legalComments: 'none',
    logLevel: 'warning',
  })
}
