// @ts-check
import tseslint from 'typescript-eslint'
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/.tsbuild/**', '**/node_modules/**', '**/data/**', 'docs-site/.vitepress/cache/**', 'bench/results/**'] },
  ...tseslint.configs.strict,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ conditionNames: ['@sentryagent/source', 'types', 'import', 'default'] })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['@sentryagent/*/src/*', '@sentryagent/*/dist/*'], message: 'Import the package entry point, not its internals.' }] }],
    },
  },
  {
    // Core knows no framework, driver or environment (ARCHITECTURE: packages/core).
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['fastify', 'pg', 'ioredis', 'kysely', 'pino', '@electric-sql/pglite'] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only the reference server config reads the environment.' }],
      'no-console': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    // The CLI's executable entry reads the environment and hands it to the commands as data.
    ignores: ['packages/core/src/testing/**', 'packages/adapter-postgres/src/testing.ts', 'packages/cli/src/bin.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only the reference server config reads the environment.' }],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
)
