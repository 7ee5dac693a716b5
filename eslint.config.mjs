// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'crypto',
  'os',
  'http',
  'https',
  'net',
  'child_process',
  'util',
  'stream',
  'events',
  'url',
  'worker_threads',
  'timers',
  'process',
];

/** Imports that make workflow code non-deterministic or break the workflow sandbox. */
const workflowForbidden = {
  patterns: [
    {
      group: nodeBuiltins,
      message: 'Workflows run in a deterministic sandbox: no Node built-ins. Do I/O in an activity.',
    },
    {
      group: ['@nestjs/*', 'typeorm', 'pg', 'class-validator', 'class-transformer', 'nestjs-pino', 'pino*'],
      message: 'Workflows must not use frameworks or I/O libraries; call an activity.',
    },
    {
      group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
      message: 'Workflows import only @temporalio/workflow (and @temporalio/common).',
      allowTypeImports: true,
    },
    {
      group: ['**/apps/**', '**/libs/persistence/**', '**/libs/config/**', '@retain/persistence', '@retain/config'],
      message: 'Workflows import only their definitions and the domain (through ./domain).',
      allowTypeImports: true,
    },
    {
      group: ['@retain/domain'],
      message: 'The workflow bundler ignores path aliases: import the domain through ./domain.',
    },
  ],
};

/** The domain is pure: no frameworks, no I/O, no Temporal. */
const domainForbidden = {
  patterns: [
    { group: nodeBuiltins, message: 'libs/domain is pure: no Node built-ins.' },
    {
      group: ['@nestjs/*', 'typeorm', 'pg', 'class-*', '@temporalio/*', 'nestjs-pino', 'pino*'],
      message: 'libs/domain is pure: no frameworks, I/O or Temporal.',
    },
    {
      group: ['**/apps/**', '**/workflows/**', '**/libs/persistence/**', '**/libs/config/**', '@retain/*'],
      message: 'libs/domain imports nothing but itself.',
    },
  ],
};

const clockAndRandomness = [
  { object: 'Date', property: 'now', message: 'Take `now` as an argument.' },
  { object: 'Math', property: 'random', message: 'Take randomness as an argument.' },
];

export default tseslint.config(
  // jest's configuration and its transform of scripts/lib for the tests run as plain CommonJS.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'jest.config.js', 'test/support/esm-transform.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', workflowForbidden] },
  },
  {
    files: ['libs/domain/**/*.ts'],
    ignores: ['libs/domain/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', domainForbidden],
      'no-restricted-properties': ['error', ...clockAndRandomness],
    },
  },
  {
    // Tests assert on loosely typed HTTP bodies; the `any` there is deliberate.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/require-await': 'off',
      // Tests hand decorated methods around to read their metadata.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    rules: {
      // tsc checks these files (scripts/tsconfig.json), globals included.
      'no-undef': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
);
