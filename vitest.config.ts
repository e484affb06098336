import { defineConfig } from 'vitest/config'
import { defaultServerConditions } from 'vite'

export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*', 'docs-site'],
  },
  // Tests run on src through the `@sentryagent/source` export condition: no build step.
  ssr: { resolve: { conditions: ['@sentryagent/source', ...defaultServerConditions] } },
})
