import { ApiKeyError } from './api-keys';

/**
 * Test support: the `ApiKeyError` code a promise is refused with. Throws when it resolves or
 * fails with anything else, so a test asserting on the code cannot pass by accident.
 */
export async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ApiKeyError)) throw new Error(`expected an ApiKeyError, got ${String(error)}`);
  return error.code;
}
