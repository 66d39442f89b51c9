import 'reflect-metadata';
import { join } from 'node:path';
import { writeErrorTables } from './error-table';

/** `npm run docs:errors`: rewrites the generated error tables of README.md and docs/api.md. */
const changed = writeErrorTables(join(__dirname, '..', '..', '..', '..'));
process.stdout.write(changed.length === 0 ? 'error tables are up to date\n' : `rewrote the error table of ${changed.join(', ')}\n`);
