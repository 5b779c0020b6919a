// The queue's paging: pages fetched as the view needs them, few kept, a new
// search's rows never mixed with an older one's.
import { describe, expect, it } from "vitest";
import { PagedList, pagesOf, type Page, type PagingOptions } from "./paging";

/** A list of `total` rows named `${query}:${index}`, answering when told to. */
function source(total: number) {
  const asked: { query: string; offset: number; limit: number; answer: () => void; fail: () => void }[] = [];
  const fetch = (query: string, offset: number, limit: number) =>
    new Promise<Page<string>>((resolve, reject) => {
      const rows = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => `${query}:${offset + i}`);
      asked.push({ query, offset, limit, answer: () => resolve({ rows, offset, total }), fail: () => reject(new Error("gone")) });
    });
  return { asked, fetch };
}

/** A list of `src`'s rows, reset to `query` and its first page answered. */
async function opened(src: ReturnType<typeof source>, query: string, options: PagingOptions) {
  const list = new PagedList(src.fetch, options);
  const first = list.reset(query);
  src.asked.at(-1)?.answer();
  await first;
  return list;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("pagesOf", () => {
  it("names the pages a range of rows falls in", () => {
    expect(pagesOf(0, 30, 200)).toEqual([0]);
    expect(pagesOf(190, 230, 200)).toEqual([0, 1]);
    expect(pagesOf(99_990, 100_000, 200)).toEqual([499]);
    expect(pagesOf(5, 5, 200)).toEqual([]);
  });
});

describe("PagedList", () => {
  it("fetches only the pages in view, once each", async () => {
    const { asked, fetch } = source(100_000);
    let changes = 0;
    const list = new PagedList(fetch, { pageSize: 200, changed: () => changes++ });
    const first = list.reset("", 0);
    asked[0].answer();
    await first;
    expect(list.total).toBe(100_000);
    expect(list.row(0)).toBe(":0");
    expect(list.row(200)).toBeUndefined();

    // Scrolled to the middle: the two pages the view straddles, and no more.
    list.ensure(50_190, 50_220);
    list.ensure(50_190, 50_220);
    expect(asked.map((a) => a.offset)).toEqual([0, 50_000, 50_200]);
    asked[1].answer();
    asked[2].answer();
    await settle();
    expect(list.row(50_199)).toBe(":50199");
    expect(list.row(50_200)).toBe(":50200");
    expect(changes).toBe(3);

    // The end of the list: the last page holds fewer rows.
    list.ensure(99_985, 100_010);
    expect(asked.at(-1)?.offset).toBe(99_800);
    asked.at(-1)?.answer();
    await settle();
    expect(list.row(99_999)).toBe(":99999");
    expect(list.row(100_000)).toBeUndefined();
  });

  it("keeps only the pages nearest the view", async () => {
    const src = source(100_000);
    const { asked } = src;
    const list = await opened(src, "", { pageSize: 100, keep: 3 });
    for (let page = 1; page < 10; page++) {
      list.ensure(page * 100, page * 100 + 30);
      asked.at(-1)?.answer();
      await settle();
    }
    expect(list.held).toBe(3);
    expect(list.row(950)).toBe(":950");
    expect(list.row(50)).toBeUndefined();
  });

  it("shows the last search's rows until the new one answers, and drops a late page of the old one", async () => {
    const src = source(1000);
    const { asked } = src;
    const list = await opened(src, "old", { pageSize: 100 });
    list.ensure(500, 520);
    const late = asked[1];

    const next = list.reset("new");
    expect(list.row(0)).toBe("old:0");
    // The view moves before the new search answers: nothing is fetched for a count not known yet.
    list.ensure(300, 320);
    expect(asked).toHaveLength(3);
    late.answer();
    await settle();
    expect(list.row(500)).toBeUndefined();
    asked[2].answer();
    await next;
    expect(list.row(0)).toBe("new:0");
    expect(list.row(500)).toBeUndefined();
    list.ensure(500, 520);
    expect(asked.at(-1)).toMatchObject({ query: "new", offset: 500 });
  });

  it("reports a failed page and fetches it again when it is next in view", async () => {
    const src = source(1000);
    const { asked } = src;
    const errors: unknown[] = [];
    const list = await opened(src, "", { pageSize: 100, failed: (e) => errors.push(e) });
    list.ensure(400, 420);
    asked[1].fail();
    await settle();
    expect(errors).toHaveLength(1);
    list.ensure(400, 420);
    expect(asked).toHaveLength(3);
    expect(asked[2].offset).toBe(400);
  });

  it("reloads where the view is after a sync", async () => {
    const src = source(100_000);
    const { asked } = src;
    const list = await opened(src, "", { pageSize: 200 });
    const again = list.reset("", 70_010);
    expect(asked.at(-1)?.offset).toBe(70_000);
    asked.at(-1)?.answer();
    await again;
    expect(list.row(70_010)).toBe(":70010");
  });

  it("grows the list as it scrolls when the count stops short, and never shrinks it", async () => {
    // As the core counts: up to 200 rows past the page asked for.
    const all = 5_000;
    const asked: { offset: number; answer: () => void }[] = [];
    const fetch = (query: string, offset: number, limit: number) =>
      new Promise<Page<string>>((resolve) => {
        const rows = Array.from({ length: Math.max(0, Math.min(limit, all - offset)) }, (_, i) => `${query}:${offset + i}`);
        const cap = offset + limit + 200;
        const total = Math.min(all, cap);
        asked.push({ offset, answer: () => resolve({ rows, offset, total, total_at_least: total >= cap }) });
      });
    const list = new PagedList(fetch, { pageSize: 200, keep: 2 });
    const first = list.reset("e");
    asked[0].answer();
    await first;
    expect([list.total, list.atLeast]).toEqual([400, true]);

    list.ensure(1_100, 1_150);
    asked[1].answer();
    await settle();
    expect([list.total, list.atLeast]).toEqual([1_400, true]);

    // The first page fetched again counts less: the list keeps its length.
    list.ensure(0, 30);
    asked.at(-1)?.answer();
    await settle();
    expect(list.total).toBe(1_400);

    // Near the end the count is whole.
    list.ensure(4_850, 4_900);
    asked.at(-1)?.answer();
    await settle();
    expect([list.total, list.atLeast]).toEqual([5_000, false]);
  });
});
