// Flat ESLint config. The one rule we hold as an error everywhere is Nx's module boundaries:
// the shape of the monorepo (STYLE.md rule 11) is checked, not hoped for.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const nestAndIo = ['@nestjs/*', 'typeorm', 'nats', 'stripe', 'pg', 'express'];

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
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts', 'type:testing'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:testing'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              bannedExternalImports: nestAndIo,
            },
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: nestAndIo,
            },
          ],
        },
      ],
    },
  },
];
