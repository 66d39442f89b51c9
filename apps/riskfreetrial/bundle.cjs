// Emits the riskfreetrial Worker as one ES module for workerd (dist/apps/riskfreetrial/worker/index.js).
// src/index.ts imports nothing at run time but `cloudflare:workers` (the SDK lends it types only,
// which vanish), so a TypeScript transpile is the whole bundle: no bundler needed. The check below
// fails the build if a run-time import ever creeps in, instead of shipping a Worker that cannot load.
// `wrangler deploy` bundles src/index.ts itself (wrangler.json `main`); this is for Miniflare and
// for deploying the built file with `wrangler deploy --no-bundle`.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const source = path.join(__dirname, 'src', 'index.ts');
const outFile = path.join(__dirname, '..', '..', 'dist', 'apps', 'riskfreetrial', 'worker', 'index.js');

/** The Worker as the text of one ES module. */
function bundleWorker() {
  const result = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
    fileName: source,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false },
  });
  if (result.diagnostics && result.diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(result.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => __dirname, getNewLine: () => '\n' }));
  }
  const imports = [...result.outputText.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  const foreign = imports.filter((specifier) => specifier !== 'cloudflare:workers');
  if (foreign.length > 0) throw new Error(`riskfreetrial must import nothing at run time but cloudflare:workers; found ${foreign.join(', ')}`);
  return result.outputText;
}

module.exports = { bundleWorker, outFile };

if (require.main === module) {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, bundleWorker());
  process.stdout.write(`riskfreetrial → ${path.relative(process.cwd(), outFile)}\n`);
}
