// Flat ESLint config. The one rule we hold as an error everywhere is Nx's module boundaries:
// the shape of the monorepo (STYLE.md rule 11) is checked, not hoped for.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const nestAndIo = ['@nestjs/*', 'typeorm', 'nats', 'stripe', 'pg', 'express'];

const productionConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts', 'type:sdk'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts', 'type:testing', 'type:sdk'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts'] },
  // The typed e2e harness hands tests the SDK client: tests speak the product's language.
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:testing', 'type:sdk'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'], bannedExternalImports: nestAndIo },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: nestAndIo },
  // The published SDK: fetch only, nothing of the workspace, no framework (libs/sdk/README.md).
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: [], bannedExternalImports: [...nestAndIo, 'class-validator', 'class-transformer', 'rxjs', 'reflect-metadata'] },
];

// Tests (and test-only harnesses under test/) of apps and infra may also use the test helpers
// and the Stripe stand-in (type:testing); production code may not.
const testConstraints = productionConstraints.map((c) =>
  c.sourceTag === 'type:app' || c.sourceTag === 'type:infra'
    ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
    : c,
);

const testFiles = ['**/*.spec.ts', '**/test/**/*.ts'];

module.exports = [
  { ignores: ['**/dist', '**/node_modules', '**/tmp', 'bench/results', 'tools/scripts/**', '**/*.cjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 2022, sourceType: 'module' } },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: productionConstraints,
        },
      ],
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: testConstraints }],
    },
  },
];
