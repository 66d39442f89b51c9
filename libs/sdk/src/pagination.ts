/**
 * Auto-pagination of the API's cursor-paginated lists (history, refund requests, webhook
 * deliveries): a page is `{ items, nextCursor }` and the next page is asked with
 * `cursor: nextCursor`; `nextCursor` is null on the last page.
 */

/** A page of a cursor-paginated list. */
export interface CursorPage<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * The answer of a list call: awaited, the first page; iterated with `for await`, every item of
 * every page in order, each page asked only when the previous one is used up (like Stripe's
 * `autoPagingEach`). Each page is one call with the client's retries.
 */
export type PagedResult<Page extends CursorPage<unknown>> = Promise<Page> & AsyncIterable<Page['items'][number]>;

/** Most pages one iteration asks for: a cursor that never ends must not turn into an endless loop. */
export const pagesPerIterationMax = 10_000;

/**
 * `first` (the first page, already asked) as a `PagedResult`; `next(cursor)` asks for the page
 * after `cursor`. Throws the call's error from the iteration when a page fails, and a
 * `RangeError` after `pagesPerIterationMax` pages or when a cursor repeats.
 */
export function pagedResult<Page extends CursorPage<unknown>>(first: Promise<Page>, next: (cursor: string) => Promise<Page>): PagedResult<Page> {
  async function* items(): AsyncGenerator<Page['items'][number]> {
    const seen = new Set<string>();
    let page = await first;
    for (let pages = 1; ; pages++) {
      yield* page.items as Page['items'][number][];
      const cursor = page.nextCursor;
      if (cursor === null || cursor === undefined || cursor === '') return;
      if (seen.has(cursor) || pages >= pagesPerIterationMax) throw new RangeError(`pagination stopped after ${pages} pages (cursor ${cursor})`);
      seen.add(cursor);
      page = await next(cursor);
    }
  }
  return Object.assign(first, { [Symbol.asyncIterator]: items });
}
