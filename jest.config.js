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
};
