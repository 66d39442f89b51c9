// Resolves the workspace's path aliases (@credit-hub/*) for the compiled JavaScript in dist/.
// Loaded with `node -r ./tools/scripts/register-paths.js dist/apps/<app>/src/main.js`.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

tsconfigPaths.register({ baseUrl: path.join(__dirname, '..', '..', 'dist'), paths: compilerOptions.paths });
