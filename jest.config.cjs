// One jest config for the whole workspace. Tier is in the file name (STYLE.md, after Emmett):
// *.unit.spec.ts (pure), *.int.spec.ts (real PostgreSQL / NATS), *.e2e.spec.ts (started services over HTTP).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json', isolatedModules: true, diagnostics: false }],
  },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  setupFiles: ['<rootDir>/libs/testing/src/jest-setup.ts'],
  // Stripe's JSON Schemas for the stand-in's contract check (tools/stripe-standin/src/contract).
  globalSetup: '<rootDir>/tools/stripe-standin/src/contract/jest-global-setup.ts',
  testTimeout: 60000,
};
