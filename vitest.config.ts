// Vitest: unit tests for pure modules, integration tests on a real database (PGlite by default,
// PostgreSQL when DATABASE_URL is set). Each integration file gets its own fresh database.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
})
