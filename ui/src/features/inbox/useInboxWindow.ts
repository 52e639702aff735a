// Offset-window data for the virtualized inbox: page 0 gives the total, and only the pages under the
// visible range are fetched (and cached per [inbox_page, {tab, offset, limit}]) as the user scrolls.
import { useQueries, useQuery } from "@tanstack/react-query";
import * as ipc from "../../ipc";
import type { ConversationSummary, Tab } from "../../ipc";
import { INBOX_PAGE_SIZE, qk } from "../../lib/queries";

const pageQuery = (tab: Tab, page: number) => ({
  queryKey: qk.inboxPage(tab, page * INBOX_PAGE_SIZE, INBOX_PAGE_SIZE),
  queryFn: () => ipc.inboxPage(tab, page * INBOX_PAGE_SIZE, INBOX_PAGE_SIZE),
});

/** The first page: its `total` sizes the virtual list. */
export function useInboxFirstPage(tab: Tab) {
  return useQuery(pageQuery(tab, 0));
}

/** Rows for indexes [start, end]; rows not loaded yet come back as null (drawn as placeholders). */
export function useInboxRows(
  tab: Tab,
  firstItems: ConversationSummary[] | undefined,
  total: number,
  start: number,
  end: number,
) {
  const pages: number[] = [];
  if (total > 0) {
    const from = Math.floor(Math.max(0, start) / INBOX_PAGE_SIZE);
    const to = Math.floor(Math.min(Math.max(0, end), total - 1) / INBOX_PAGE_SIZE);
    for (let p = Math.max(1, from); p <= to; p++) pages.push(p);
  }
  const results = useQueries({ queries: pages.map((p) => pageQuery(tab, p)) });
  const byPage = new Map<number, ConversationSummary[]>();
  if (firstItems) byPage.set(0, firstItems);
  results.forEach((r, i) => {
    if (r.data) byPage.set(pages[i]!, r.data.items);
  });
  return (index: number): ConversationSummary | null =>
    byPage.get(Math.floor(index / INBOX_PAGE_SIZE))?.[index % INBOX_PAGE_SIZE] ?? null;
}
