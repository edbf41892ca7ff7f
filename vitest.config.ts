// Vitest: unit tests for pure modules, integration tests on a real database (PGlite by default,
// PostgreSQL when DATABASE_URL is set). Each integration file gets its own fresh database. Tests of
// several gateway processes on one database (test/multi-instance) need PostgreSQL (PGlite is one
// process): that project exists only when DATABASE_URL is set, so it is selected, never skipped.
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
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/multi-instance/**'] } },
      ...(process.env.DATABASE_URL
        ? [{ extends: true as const, test: { name: 'multi-instance', include: ['test/multi-instance/**/*.test.ts'] } }]
        : []),
    ],
  },
})
