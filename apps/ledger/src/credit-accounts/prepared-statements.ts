import { createHash } from 'node:crypto';
import { PoolClient, QueryConfig } from 'pg';

/** Statement names given out so far (text → name), shared by every connection of the process. */
const names = new Map<string, string>();
/**
 * Most statement texts run as named prepared statements: the ledger's hot statements are a few
 * dozen constant texts (arrays as parameters: `unnest($1::text[])`, `= ANY($1)`); a text beyond
 * them (built per call, e.g. a list of OR terms) runs unnamed, so neither this map nor the
 * prepared statements each PostgreSQL backend keeps per connection can grow without bound.
 */
const namedMax = 64;
/**
 * A statement with more parameters than this is built per call (a multi-row VALUES list, one
 * text per row count): it runs unnamed. The constant ones take arrays, one parameter per column.
 */
const parametersMax = 16;

function nameOf(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= namedMax) return known;
  const name = `ledger_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  names.set(text, name);
  return name;
}

/**
 * `client` whose parameterised queries run as named prepared statements (pg's `{ name, text,
 * values }`): PostgreSQL parses and plans each text once per connection instead of on every
 * call, and pg skips the Parse message after the first. Results and errors are those of
 * `client.query`; a query without parameters (BEGIN, SAVEPOINT…) runs as it is. For the ledger
 * pipeline's transactions (one connection checked out from the pool for the whole batch).
 */
export function preparedStatements(client: PoolClient): PoolClient {
  const query = ((text: unknown, values?: unknown) => {
    if (typeof text === 'string' && Array.isArray(values) && values.length <= parametersMax) {
      const name = nameOf(text);
      if (name) return client.query({ name, text, values } as QueryConfig);
    }
    return (client.query as (t: unknown, v?: unknown) => unknown)(text, values);
  }) as PoolClient['query'];
  return new Proxy(client, { get: (target, property, receiver) => (property === 'query' ? query : Reflect.get(target, property, receiver)) });
}
