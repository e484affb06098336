import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: '@sentryagent/docs-site', testTimeout: 30_000 },
})
