// The message timeline of one conversation (conversation_messages, newest page first): opens at the
// bottom, loads older pages when scrolled near the top while keeping the reading position, sticks to
// the bottom when new messages arrive (and always after the agent sends), and inserts day separators
// ("Hoje", "Ontem", "22 de novembro").
// The parent keys it by session id, so scroll bookkeeping starts fresh for every conversation.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from "react";
import { History, LoaderCircle, MessageSquareDashed } from "lucide-react";
import type { MessageItem } from "../../ipc";
import { t } from "../../i18n";
import { dayKey, formatDayLabel } from "../../i18n/format";
import { useConversationMessages } from "../../lib/queries";
import { ErrorView, LoadingView, StateView } from "../../components/StateView";
import { MessageBubble } from "./MessageBubble";

const LOAD_OLDER_AT_PX = 160;
const STICK_PX = 64;
const GROUP_MS = 5 * 60_000;

function sameSide(a: MessageItem, b: MessageItem): boolean {
  return a.kind === "message" && b.kind === "message" && a.direction === b.direction && a.authorName === b.authorName;
}

export function Timeline({ sessionId }: { sessionId: string }) {
  const q = useConversationMessages(sessionId);
  const scrollRef = useRef<HTMLDivElement>(null);
  const anchorRef = useRef<{ height: number; top: number } | null>(null);
  const stickRef = useRef(true);
  const lastIdRef = useRef<string | null>(null);

  const messages = useMemo(
    () => (q.data ? [...q.data.pages].reverse().flatMap((p) => p.items) : []),
    [q.data],
  );
  const last = messages.length ? messages[messages.length - 1]! : null;
  const lastId = last?.id ?? null;
  // A new last entry still in the outbox is the agent's own send: bring it into view.
  const ownNew = last !== null && last.outbox != null && lastIdRef.current !== null && lastIdRef.current !== lastId;

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (anchorRef.current) {
      // Older page prepended: keep the message the user was reading in place.
      const { height, top } = anchorRef.current;
      el.scrollTop = el.scrollHeight - height + top;
      anchorRef.current = null;
    } else if (stickRef.current || lastIdRef.current === null || ownNew) {
      el.scrollTop = el.scrollHeight;
      stickRef.current = true;
    }
    lastIdRef.current = lastId;
  }, [messages, lastId, ownNew]);

  const loadOlder = useCallback(() => {
    const el = scrollRef.current;
    if (!el || !q.hasNextPage || q.isFetchingNextPage) return;
    anchorRef.current = { height: el.scrollHeight, top: el.scrollTop };
    void q.fetchNextPage().then((r) => {
      if (r.isError) anchorRef.current = null;
    });
  }, [q]);

  // A first page shorter than the viewport: keep loading until it scrolls (or the start is reached).
  useEffect(() => {
    const el = scrollRef.current;
    if (el && el.clientHeight > 0 && el.scrollHeight <= el.clientHeight && q.hasNextPage && !q.isFetchingNextPage) {
      loadOlder();
    }
  }, [messages, q.hasNextPage, q.isFetchingNextPage, loadOlder]);

  function onScroll() {
    const el = scrollRef.current;
    if (!el) return;
    stickRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (el.scrollTop < LOAD_OLDER_AT_PX) loadOlder();
  }

  // Images and videos finish loading after layout; keep the bottom in view if we were there.
  function onMediaLoad() {
    const el = scrollRef.current;
    if (el && stickRef.current && !anchorRef.current) el.scrollTop = el.scrollHeight;
  }

  if (q.isPending) return <div className="timeline timeline-state"><LoadingView /></div>;
  if (q.isError && !q.data) {
    return (
      <div className="timeline timeline-state">
        <ErrorView title={t("conv.messages.error")} error={q.error} onRetry={() => void q.refetch()} />
      </div>
    );
  }
  if (messages.length === 0) {
    return (
      <div className="timeline timeline-state">
        <StateView icon={MessageSquareDashed} title={t("conv.messages.empty")} />
      </div>
    );
  }

  // Group by local day, each group headed by its separator.
  const days: { key: string; items: { m: MessageItem; grouped: boolean }[] }[] = [];
  let prev: MessageItem | null = null;
  for (const m of messages) {
    const key = dayKey(m.createdAt);
    let day = days[days.length - 1];
    if (!day || day.key !== key) {
      day = { key, items: [] };
      days.push(day);
      prev = null;
    }
    const grouped =
      prev !== null && sameSide(prev, m) && new Date(m.createdAt).getTime() - new Date(prev.createdAt).getTime() < GROUP_MS;
    day.items.push({ m, grouped });
    prev = m;
  }

  return (
    <div
      ref={scrollRef}
      className="timeline"
      role="log"
      aria-label={t("conv.messages.label")}
      aria-busy={q.isFetchingNextPage}
      tabIndex={0}
      data-native-keys
      data-testid="timeline"
      onScroll={onScroll}
      onLoadCapture={onMediaLoad}
    >
      <div className="timeline-inner">
        <div className="timeline-top">
          {q.hasNextPage ? (
            q.isFetchingNextPage ? (
              <span className="timeline-top-label" role="status">
                <LoaderCircle size={14} className="spin" aria-hidden="true" /> {t("conv.loadingOlder")}
              </span>
            ) : (
              <button type="button" className="btn btn-ghost btn-sm" onClick={loadOlder}>
                <History size={14} aria-hidden="true" /> {t("conv.loadOlder")}
              </button>
            )
          ) : (
            <span className="timeline-top-label">{t("conv.start")}</span>
          )}
        </div>
        {days.map((day) => {
          const label = formatDayLabel(day.items[0]!.m.createdAt);
          return (
            <section key={day.key} className="day-group" aria-label={label}>
              <div className="day-sep" role="separator">
                <span>{label}</span>
              </div>
              {day.items.map(({ m, grouped }) => (
                <MessageBubble key={m.id} m={m} grouped={grouped} />
              ))}
            </section>
          );
        })}
      </div>
    </div>
  );
}
