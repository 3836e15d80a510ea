/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // isolatedModules: no type-check in jest (about 4x faster); `npm test` runs `tsc --noEmit` first.
    '^.+\\.ts$': 'ts-jest',
  },
  testTimeout: 60000,
  // One worker per core, not jest's cores minus one: most of the suite waits on pwsh and child processes,
  // so on 2 cores two workers took the suite from about 800 s to 470 s (the same 1431 tests passing).
  maxWorkers: '100%',
};
