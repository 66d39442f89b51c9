// Emits the riskfreetrial Worker for workerd as ES modules in dist/apps/riskfreetrial/worker/:
// index.js (src/index.ts transpiled, its `@credit-hub/sdk` import pointed at ./sdk/index.js) and
// sdk/ (the SDK's ES build, libs/sdk/build.cjs). TypeScript alone, no bundler. The checks below
// fail the build if a module would import anything workerd cannot load (a bare package name),
// instead of shipping a Worker that cannot start. `wrangler deploy` bundles src/index.ts itself
// (wrangler.json `main`, with the SDK resolvable); `wrangler deploy --no-bundle` can deploy this
// directory (`main` = its index.js, `find_additional_modules: true` to upload sdk/ along).
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');
const { buildEsm } = require('../../libs/sdk/build.cjs');

const source = path.join(__dirname, 'src', 'index.ts');
const outDir = path.join(__dirname, '..', '..', 'dist', 'apps', 'riskfreetrial', 'worker');
const outFile = path.join(outDir, 'index.js');
const sdkSpecifier = '@credit-hub/sdk';
const sdkEntry = './sdk/index.js';

/** The specifiers a module's text imports from (static imports and re-exports). */
function importsOf(text) {
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

/** The Worker's own module: src/index.ts as ES2022, importing only cloudflare:workers and the shipped SDK. */
function workerModule() {
  const result = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
    fileName: source,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false },
  });
  if (result.diagnostics && result.diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(result.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => __dirname, getNewLine: () => '\n' }));
  }
  const text = result.outputText.replace(/(\bfrom\s+)(['"])@credit-hub\/sdk\2/g, `$1'${sdkEntry}'`);
  const foreign = importsOf(text).filter((specifier) => specifier !== 'cloudflare:workers' && specifier !== sdkEntry);
  if (foreign.length > 0) throw new Error(`riskfreetrial must import nothing at run time but cloudflare:workers and ${sdkSpecifier}; found ${foreign.join(', ')}`);
  return text;
}

/**
 * Builds the Worker into dist/apps/riskfreetrial/worker and answers its modules as workerd loads
 * them: `{ path, contents }`, paths relative to the directory, index.js first.
 */
function buildWorker() {
  fs.rmSync(outDir, { recursive: true, force: true });
  buildEsm(path.join(outDir, 'sdk'));
  fs.writeFileSync(outFile, workerModule());
  const files = [outFile, ...listJs(path.join(outDir, 'sdk'))];
  return files.map((file) => {
    const contents = fs.readFileSync(file, 'utf8');
    const bare = importsOf(contents).filter((specifier) => !specifier.startsWith('.') && specifier !== 'cloudflare:workers');
    if (bare.length > 0) throw new Error(`${path.relative(outDir, file)} imports ${bare.join(', ')}: workerd cannot load a bare package name`);
    return { path: path.relative(outDir, file).split(path.sep).join('/'), contents };
  });
}

function listJs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listJs(full);
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

module.exports = { buildWorker, outDir, outFile };

if (require.main === module) {
  const modules = buildWorker();
  process.stdout.write(`riskfreetrial → ${path.relative(process.cwd(), outDir)} (${modules.length} modules)\n`);
}
