// `npm run replay [-- …]`: the ledger's replay (balances and lots from the event log);
// `npm run replay -- analytics [-- …]`: the analytics read models rebuilt from the streams.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const args = process.argv.slice(2);
const analytics = args[0] === 'analytics';
const entry = analytics ? 'dist/apps/feedback-analytics/src/cli/replay-analytics.main.js' : 'dist/apps/ledger/src/replay/replay.main.js';
const result = spawnSync(process.execPath, [path.join(__dirname, 'with-build.js'), entry, ...(analytics ? args.slice(1) : args)], { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
