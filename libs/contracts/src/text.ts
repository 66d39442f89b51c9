/**
 * Text PostgreSQL can store: the one rule every input string of every service meets, applied at
 * every edge (the gateway's validation pipe, `validatePayload` for every NATS command and query),
 * so no route can forget it.
 *
 * PostgreSQL refuses two things a JavaScript string can hold:
 * - U+0000 (NUL): "invalid byte sequence for encoding UTF8: 0x00" in `text` (SQLSTATE 22021) and
 *   "unsupported Unicode escape sequence" for `\u0000` in `jsonb` (SQLSTATE 22P05)
 *   (https://www.postgresql.org/docs/current/datatype-json.html).
 * - A lone UTF-16 surrogate (U+D800-U+DFFF not in a pair): `jsonb` refuses its `\udXXX` escape
 *   (22P02), and in `text` node-postgres' UTF-8 encoding silently turns it into U+FFFD, so the
 *   stored key would differ from the one sent (an idempotency key that never matches again).
 * Every other Unicode scalar value is storable in a UTF8 database.
 */

/** What is refused: NUL, or a surrogate not part of a pair (with the `u` flag a pair is one code point). */
const unstorable = /[\u0000\p{Cs}]/u;

/** Deepest nesting walked; deeper input is refused by its own bound before (gateway) or here. */
const textDepthMax = 64;

/** Why `text` cannot be stored, or undefined when it can. */
export function unstorableTextReason(text: string): string | undefined {
  const match = unstorable.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000' ? 'must not contain the NUL character (U+0000)' : 'must not contain a lone UTF-16 surrogate (not valid Unicode text)';
}

/** True when `text` holds no NUL and no lone surrogate (PostgreSQL stores it as sent). */
export function isStorableText(text: string): boolean {
  return !unstorable.test(text);
}

/**
 * The first string, or property name, in a plain value (object, array, string; anything else is
 * skipped) that PostgreSQL cannot store: `{ field, detail }` with the dotted path of the field
 * (`items.3.referenceId`; `root` names a bare string), or undefined when every string is storable.
 * Iterative (an explicit stack), bounded at 64 levels: deeper input is reported at that depth.
 */
export function unstorableTextIn(value: unknown, root = 'body'): { field: string; detail: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof current === 'string') {
      const reason = unstorableTextReason(current);
      if (reason) return { field: path || root, detail: `${path || root} ${reason}` };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= textDepthMax) return { field: path || root, detail: `${path || root} is nested more than ${textDepthMax} levels deep` };
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const child = path ? `${path}.${key}` : key;
      const keyReason = unstorableTextReason(key);
      // A property name is shown escaped: it is the offending text itself.
      if (keyReason) return { field: path ? `${path}.${JSON.stringify(key)}` : JSON.stringify(key), detail: `a property name ${keyReason}` };
      stack.push({ value: (current as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
  return undefined;
}
