import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Vitest's default leaves a core free, which on two cores means one file at a time; the suites
    // spend much of their time waiting on the database, so two files at once finish far sooner.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', isolate: false } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // Each test builds its own services on its own database, so a worker keeps the modules it
          // loaded from one file to the next instead of loading the whole portal again per file.
          isolate: false,
          // On PostgreSQL, drops the workers' migrated template databases at the end.
          globalSetup: ['test/helpers/pg-global-setup.ts'],
          testTimeout: 20000,
          hookTimeout: 30000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          // The built server and CLI, run as child processes; built first unless dist/ is up to date.
          globalSetup: ['test/faults/global-setup.ts'],
          testTimeout: 120000,
          hookTimeout: 60000,
          // Each file starts processes and times them: one at a time, so they do not crowd each other.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60000,
          hookTimeout: 60000,
          fileParallelism: false,
        },
      },
    ],
  },
})
