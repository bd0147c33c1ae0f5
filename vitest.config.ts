import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test-support/build-once.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers and child processes; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
