import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createOpenApiDocument } from './openapi-document';

/**
 * `npm run openapi [-- <file>]` (dist/apps/gateway/src/openapi/openapi.main.js): the gateway's
 * OpenAPI document as JSON, built without PostgreSQL or NATS, to `<file>` or to stdout. The SDK's
 * generated types are made from it (tools/scripts/openapi.js).
 */
async function main(): Promise<void> {
  const json = `${JSON.stringify(await createOpenApiDocument(), null, 2)}\n`;
  const file = process.argv[2];
  if (file) writeFileSync(file, json);
  else process.stdout.write(json);
}

main().catch((error: unknown) => {
  process.stderr.write(`openapi: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
