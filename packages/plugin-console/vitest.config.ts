import { defineProject } from 'vitest/config'
import { defaultServerConditions } from 'vite'

export default defineProject({
  test: { name: '@sentryagent/plugin-console', testTimeout: 30_000, hookTimeout: 60_000, include: ['test/**/*.test.ts'] },
  ssr: { resolve: { conditions: ['@sentryagent/source', ...defaultServerConditions] } },
})
