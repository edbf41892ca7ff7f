// Vitest: unit tests for pure modules, integration tests on a real database (PGlite by default,
// PostgreSQL when DATABASE_URL is set). Each integration file gets its own fresh database.
import { createRequire } from 'node:module'
import { defineConfig } from 'vitest/config'

const require = createRequire(import.meta.url)

export default defineConfig({
  resolve: {
    // Vite would resolve our own `import 'graphql'` to its ESM build while mercurius loads the CJS
    // build: two graphql realms ("Cannot use GraphQLNonNull from another module"). Node resolves
    // `main` (CJS) for everyone, so tests use the same file production does.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})
