// A long list fetched a page at a time, as it scrolls: the queue of 100,000
// items keeps only the pages near the view (the virtual list in virtual.ts
// renders the rows on screen of them). A new search starts over, yet the
// rows of the last one stay on show until the first page of the new one
// comes; a page that comes for an older search is dropped.
//
// Not for the rows' meaning: which items match, in what order, and how many
// in all is the core's answer (the queue operation), one page per call.

/**
 * One page of the answer: rows from `offset` on, and how many match in all
 * (or, with `total_at_least`, how many were counted before the count stopped).
 */
export interface Page<T> {
  rows: T[];
  offset: number;
  total: number;
  total_at_least?: boolean;
}

/** Fetches `limit` rows from the `offset`-th on for `query`. */
export type FetchPage<Q, T> = (query: Q, offset: number, limit: number) => Promise<Page<T>>;

export interface PagingOptions {
  /** Rows per fetch. */
  pageSize?: number;
  /** Pages kept at most; those farthest from the view go first. */
  keep?: number;
  /** A page came (rows or the total changed). */
  changed?: () => void;
  /** A fetch failed (it is tried again the next time its rows are wanted). */
  failed?: (error: unknown) => void;
}

/** The pages (by index) holding rows [first, last). */
export function pagesOf(first: number, last: number, pageSize: number): number[] {
  const pages: number[] = [];
  if (last <= first) return pages;
  for (let page = Math.floor(first / pageSize); page * pageSize < last; page++) pages.push(page);
  return pages;
}

export class PagedList<Q, T> {
  readonly pageSize: number;
  private readonly keep: number;
  private readonly changed: () => void;
  private readonly failed: (error: unknown) => void;
  private query: Q | undefined;
  private generation = 0;
  private pages = new Map<number, T[]>();
  private loading = new Set<number>();
  /** The last search's pages, shown until the new search's first page comes. */
  private previous: Map<number, T[]> | null = null;
  private center = 0;
  /** How many rows match in all, as far as the answers counted. */
  total = 0;
  /** The count stopped short: at least `total` rows match, perhaps more. */
  atLeast = false;

  constructor(
    private readonly fetch: FetchPage<Q, T>,
    options: PagingOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 200;
    this.keep = Math.max(2, options.keep ?? 8);
    this.changed = options.changed ?? (() => undefined);
    this.failed = options.failed ?? (() => undefined);
  }

  /**
   * Starts over for `query` (a new search, or the same after a sync): fetches
   * the page holding row `near` (where the view is). Resolves when it has come.
   */
  async reset(query: Q, near = 0): Promise<void> {
    this.query = query;
    this.generation++;
    if (this.previous === null) this.previous = this.pages;
    this.pages = new Map();
    this.loading = new Set();
    this.center = Math.floor(near / this.pageSize);
    await this.load(this.center);
  }

  /** Fetches the pages of rows [first, last) not held or on their way. */
  ensure(first: number, last: number): void {
    // Before a search's first page comes, its count is not known yet.
    if (this.query === undefined || (this.previous !== null && this.loading.size > 0)) return;
    this.center = Math.floor((first + last) / 2 / this.pageSize);
    for (const page of pagesOf(first, Math.max(first + 1, Math.min(last, this.total)), this.pageSize)) {
      if (!this.pages.has(page) && !this.loading.has(page)) void this.load(page);
    }
  }

  /** Row `index`, or undefined while its page is on its way. */
  row(index: number): T | undefined {
    const page = Math.floor(index / this.pageSize);
    const rows = this.pages.get(page) ?? this.previous?.get(page);
    return rows?.[index - page * this.pageSize];
  }

  /** How many pages are held (the view's and their neighbours). */
  get held(): number {
    return this.pages.size;
  }

  private async load(page: number): Promise<void> {
    const query = this.query as Q;
    const generation = this.generation;
    this.loading.add(page);
    let answer: Page<T>;
    try {
      answer = await this.fetch(query, page * this.pageSize, this.pageSize);
    } catch (error) {
      if (generation === this.generation) {
        this.loading.delete(page);
        this.failed(error);
      }
      return;
    }
    if (generation !== this.generation) return;
    this.loading.delete(page);
    const first = this.previous !== null;
    this.previous = null;
    this.pages.set(page, answer.rows);
    this.takeCount(answer, first);
    this.evict();
    this.changed();
  }

  /**
   * Takes a page's count: a search's first answer as it is; after it, a
   * count that stopped short never shrinks the list (a page farther on
   * counts farther, so the list grows as it scrolls) nor undoes a whole one.
   */
  private takeCount(answer: Page<T>, first: boolean): void {
    const atLeast = answer.total_at_least ?? false;
    if (first || !atLeast) {
      this.total = answer.total;
      this.atLeast = atLeast;
    } else if (this.atLeast && answer.total > this.total) {
      this.total = answer.total;
    }
  }

  /** Drops the pages farthest from the view beyond `keep`. */
  private evict(): void {
    if (this.pages.size <= this.keep) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - this.center) - Math.abs(a - this.center));
    for (const page of far.slice(0, this.pages.size - this.keep)) this.pages.delete(page);
  }
}
