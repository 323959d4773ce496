/**
 * Tiers by file name: *.unit.test.ts, *.integration.test.ts, *.e2e.test.ts.
 * Tests are transpiled file by file (isolatedModules) for speed; `npm run build` type-checks.
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }] },
  testTimeout: 60000,
};
