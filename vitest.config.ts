import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Ceilings against a hang, not measures of speed: tests wait for conditions with deadlines
    // (test/support/wait-for.ts), and a busy two-core machine is slower, not wrong.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
