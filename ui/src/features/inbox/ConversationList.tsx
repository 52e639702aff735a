// The virtualized conversation list of the current tab: only visible rows are in the DOM and only the
// pages under them are fetched, so 100k conversations scroll smoothly. Owns list keyboard navigation
// (↑/↓, J/K move the cursor; Enter opens) and the empty / loading / error states.
import { useCallback, useEffect, useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { CheckCheck, Hourglass, Inbox, MessagesSquare } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import type { ConversationSummary, Tab } from "../../ipc";
import { t, type MessageKey } from "../../i18n";
import { ErrorView, StateView } from "../../components/StateView";
import { hasModifier, isTypingTarget } from "../../lib/keyboard";
import { useNow } from "../../lib/useNow";
import { useUi } from "../shell/uiState";
import { ConversationRow, ConversationRowPlaceholder } from "./ConversationRow";
import { useInboxFirstPage, useInboxRows } from "./useInboxWindow";

export const ROW_HEIGHT = 76;

const EMPTY_ICON: Record<Tab, LucideIcon> = {
  mine: Inbox,
  waiting: Hourglass,
  completed: CheckCheck,
  all: MessagesSquare,
};

export function ConversationList() {
  const ui = useUi();
  const { tab, activeIndex, setActiveIndex, openConversation, openId, openInitial } = ui;
  const now = useNow(30_000);
  const scrollRef = useRef<HTMLDivElement>(null);

  const first = useInboxFirstPage(tab);
  const total = first.data?.total ?? 0;

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 360, height: 640 },
  });
  const items = virtualizer.getVirtualItems();
  const start = items[0]?.index ?? 0;
  const end = items[items.length - 1]?.index ?? 0;
  const rowAt = useInboxRows(tab, first.data?.items, total, start, end);

  // A new tab starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo?.({ top: 0 });
  }, [tab]);

  // When the window starts, open the first conversation so the agent lands on work, not on a blank pane.
  const firstRow = first.data?.items[0];
  useEffect(() => {
    if (firstRow) openInitial(firstRow);
  }, [firstRow, openInitial]);

  // Keep the cursor inside the list when it shrinks.
  useEffect(() => {
    if (total > 0 && activeIndex > total - 1) setActiveIndex(total - 1);
  }, [total, activeIndex, setActiveIndex]);

  const open = useCallback(
    (row: ConversationSummary, index: number) => {
      openConversation(row, index);
    },
    [openConversation],
  );

  // Keyboard: window-level so it works wherever focus is, except while typing or under an overlay.
  const stateRef = useRef({ total, activeIndex, rowAt, overlay: ui.overlay, section: ui.section });
  stateRef.current = { total, activeIndex, rowAt, overlay: ui.overlay, section: ui.section };
  useEffect(() => {
    function move(delta: number) {
      const s = stateRef.current;
      if (s.total === 0) return;
      const next = Math.min(s.total - 1, Math.max(0, s.activeIndex + delta));
      setActiveIndex(next);
      virtualizer.scrollToIndex(next, { align: "auto" });
    }
    function onKeyDown(e: KeyboardEvent) {
      const s = stateRef.current;
      if (s.overlay || s.section !== "inbox") return;
      if (e.defaultPrevented || hasModifier(e) || isTypingTarget(e.target)) return;
      const target = e.target as HTMLElement | null;
      const inTimeline = !!target?.closest?.("[data-native-keys]");
      switch (e.key) {
        case "j":
        case "J":
          e.preventDefault();
          move(1);
          break;
        case "k":
        case "K":
          e.preventDefault();
          move(-1);
          break;
        case "ArrowDown":
        case "ArrowUp":
          if (inTimeline || target?.closest?.("[role=tablist]")) return;
          e.preventDefault();
          move(e.key === "ArrowDown" ? 1 : -1);
          break;
        case "Enter": {
          if (target && target.closest("button, a, [role=tab]")) return;
          const row = s.rowAt(s.activeIndex);
          if (row) {
            e.preventDefault();
            open(row, s.activeIndex);
          }
          break;
        }
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [open, setActiveIndex, virtualizer]);

  if (first.isPending) {
    return (
      <div className="conv-list" aria-busy="true" aria-label={t("inbox.listLabel")} role="listbox">
        {Array.from({ length: 8 }, (_, i) => (
          <ConversationRowPlaceholder key={i} index={i} />
        ))}
      </div>
    );
  }

  if (first.isError) {
    return (
      <div className="conv-list conv-list-state">
        <ErrorView title={t("inbox.error.title")} error={first.error} onRetry={() => void first.refetch()} />
      </div>
    );
  }

  if (total === 0) {
    return (
      <div className="conv-list conv-list-state">
        <StateView
          icon={EMPTY_ICON[tab]}
          title={t(`inbox.empty.${tab}.title` as MessageKey)}
          body={t(`inbox.empty.${tab}.body` as MessageKey)}
        />
      </div>
    );
  }

  const activeRendered = items.some((v) => v.index === activeIndex);

  return (
    <div
      ref={scrollRef}
      id="inbox-list"
      className="conv-list"
      role="listbox"
      tabIndex={0}
      aria-label={t("inbox.listLabel")}
      aria-activedescendant={activeRendered ? `conv-row-${activeIndex}` : undefined}
      data-testid="conv-list"
    >
      <div className="conv-list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((v) => {
          const row = rowAt(v.index);
          return (
            <div key={v.key} className="conv-list-slot" style={{ transform: `translateY(${v.start}px)`, height: v.size }}>
              {row ? (
                <ConversationRow
                  row={row}
                  index={v.index}
                  tab={tab}
                  active={v.index === activeIndex}
                  open={row.id === openId}
                  now={now}
                  onOpen={open}
                />
              ) : (
                <ConversationRowPlaceholder index={v.index} />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
