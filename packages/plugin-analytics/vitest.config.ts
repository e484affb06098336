import { defineProject } from 'vitest/config'
import { defaultServerConditions } from 'vite'

export default defineProject({
  test: { name: '@sentryagent/plugin-analytics', testTimeout: 30_000, hookTimeout: 60_000 },
  ssr: { resolve: { conditions: ['@sentryagent/source', ...defaultServerConditions] } },
})
