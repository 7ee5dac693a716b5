/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }];
const moduleNameMapper = {
  '^@retain/domain$': '<rootDir>/libs/domain/src',
  '^@retain/persistence$': '<rootDir>/libs/persistence/src',
  '^@retain/config$': '<rootDir>/libs/config/src',
  '^@retain/workflows$': '<rootDir>/workflows/definitions',
};
// scripts/lib (the service supervisor, the wait and port helpers) is ES modules; the
// tests load them as CommonJS through test/support/esm-transform.cjs.
const transform = { '^.+\\.ts$': tsJest, '^.+/scripts/lib/.+\\.mjs$': '<rootDir>/test/support/esm-transform.cjs' };
const common = {
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
  setupFiles: ['<rootDir>/test/support/jest.setup.ts'],
};

// Type checking is `npm run typecheck`; ts-jest only transpiles, which keeps test
// start-up fast. Projects let `npm test` report unit, workflow and end-to-end apart.
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    { ...common, displayName: 'workflow', testMatch: ['<rootDir>/workflows/**/*.spec.ts'] },
    // The same specs with a worker cache of 0: every workflow task replays from history.
    {
      ...common,
      displayName: 'workflow-nocache',
      testMatch: ['<rootDir>/workflows/**/*.workflow.spec.ts'],
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/no-workflow-cache.ts'],
    },
    { ...common, displayName: 'replay', testMatch: ['<rootDir>/test/replay/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // The web app (apps/web) in a real Chromium (playwright-core) against the whole stack.
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] },
    // Crashes and outages of real processes: `npm run test:reliability` (CI runs it after `npm test`).
    ...(process.env.RETAIN_RELIABILITY === '1'
      ? [{ ...common, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.rel-spec.ts'] }]
      : []),
    // The cluster topology under load while replicas die: `npm run test:cluster` (CI runs it after test:reliability).
    ...(process.env.RETAIN_CLUSTER === '1'
      ? [{ ...common, displayName: 'cluster', testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'] }]
      : []),
    // The API contract: schemathesis against a live stack, run alone by `npm test` after the rest (RETAIN_CONTRACT=1).
    ...(process.env.RETAIN_CONTRACT === '1'
      ? [{ ...common, displayName: 'contract', testMatch: ['<rootDir>/test/contract/**/*.contract-spec.ts'] }]
      : []),
  ],
};
