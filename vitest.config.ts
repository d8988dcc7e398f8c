import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // two cores: PGlite and the simulators are CPU-bound, more workers only thrash
    maxWorkers: 2,
    reporters: ['default'],
  },
});
