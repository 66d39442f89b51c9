// Builds the publishable @credit-hub/sdk package (`nx build sdk`, `node libs/sdk/build.cjs [outDir]`,
// default dist/libs/sdk): CommonJS in cjs/, ES modules in esm/, each with its declarations, and a
// package.json whose `exports` map sends `require` to cjs/ and `import` to esm/. TypeScript alone
// (no bundler): the ES build's relative imports get their `.js` extension written in, as Node's
// ES module loader and workerd require. The riskfreetrial Worker ships the ES build (bundle.cjs).
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const sdkRoot = __dirname;
const defaultOutDir = path.join(sdkRoot, '..', '..', 'dist', 'libs', 'sdk');

/** Compiles the SDK's sources with `overrides` into `outDir`; throws with the diagnostics on a type error. */
function compile(outDir, overrides) {
  const configFile = path.join(sdkRoot, 'tsconfig.lib.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, { rootDir: path.join(sdkRoot, 'src'), outDir, ...overrides }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, incremental: false, tsBuildInfoFile: undefined, sourceMap: false });
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => sdkRoot, getNewLine: () => '\n' }));
  }
}

/** Every file under `dir` whose name ends with one of `endings`. */
function filesUnder(dir, endings) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, endings);
    return endings.some((ending) => entry.name.endsWith(ending)) ? [full] : [];
  });
}

/** `from './client'` → `from './client.js'` in every ES module and declaration of `dir`. */
function addImportExtensions(dir) {
  for (const file of filesUnder(dir, ['.js', '.d.ts'])) {
    const text = fs.readFileSync(file, 'utf8');
    const fixed = text.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+?)\2/g, (whole, keyword, quote, specifier) =>
      /\.(js|json)$/.test(specifier) ? whole : `${keyword}${quote}${specifier}.js${quote}`,
    );
    if (fixed !== text) fs.writeFileSync(file, fixed);
  }
}

/** The ES module build alone into `outDir` (what the Worker ships). */
function buildEsm(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  compile(outDir, { module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, declaration: true });
  addImportExtensions(outDir);
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
}

/** The CommonJS build alone into `outDir`. */
function buildCjs(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  compile(outDir, { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, declaration: true });
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}

/** The whole package into `outDir`: cjs/, esm/, README.md and package.json with the `exports` map. */
function buildSdk(outDir = defaultOutDir) {
  buildCjs(path.join(outDir, 'cjs'));
  buildEsm(path.join(outDir, 'esm'));
  const manifest = JSON.parse(fs.readFileSync(path.join(sdkRoot, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.copyFileSync(path.join(sdkRoot, 'README.md'), path.join(outDir, 'README.md'));
  return outDir;
}

module.exports = { buildSdk, buildEsm, buildCjs };

if (require.main === module) {
  const outDir = buildSdk(process.argv[2] ? path.resolve(process.argv[2]) : defaultOutDir);
  process.stdout.write(`@credit-hub/sdk → ${path.relative(process.cwd(), outDir)} (cjs/, esm/)\n`);
}
