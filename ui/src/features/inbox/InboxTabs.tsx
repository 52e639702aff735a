// The four queues of the inbox (Meus, Aguardando, Concluídos, Todos) with their counts from
// inbox_counts; a WAI-ARIA tablist (←/→ move between tabs).
import { useRef, type KeyboardEvent } from "react";
import { TABS, type Tab } from "../../ipc";
import { t, type MessageKey } from "../../i18n";
import { formatCount } from "../../i18n/format";
import { useInboxCounts } from "../../lib/queries";
import { useUi } from "../shell/uiState";

export function tabLabel(tab: Tab): string {
  return t(`tab.${tab}` as MessageKey);
}

/** The label drawn on the tab: short where the full word does not fit the 360 px column. */
function tabShortLabel(tab: Tab): string {
  return t(`tab.short.${tab}` as MessageKey);
}

export function InboxTabs() {
  const ui = useUi();
  const counts = useInboxCounts();
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    e.preventDefault();
    const i = TABS.indexOf(ui.tab);
    const next = TABS[(i + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length]!;
    ui.setTab(next);
    refs.current[next]?.focus();
    refs.current[next]?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }

  return (
    <div className="inbox-tabs" role="tablist" aria-label={t("inbox.tabsLabel")} onKeyDown={onKeyDown}>
      {TABS.map((tab) => {
        const selected = tab === ui.tab;
        const count = counts.data?.[tab];
        return (
          <button
            key={tab}
            ref={(el) => {
              refs.current[tab] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${tab}`}
            aria-selected={selected}
            aria-controls="inbox-list"
            tabIndex={selected ? 0 : -1}
            className={`inbox-tab${selected ? " is-selected" : ""}`}
            onClick={(e) => {
              ui.setTab(tab);
              e.currentTarget.scrollIntoView?.({ block: "nearest", inline: "nearest" });
            }}
            data-testid={`tab-${tab}`}
            title={tabLabel(tab)}
            aria-label={count !== undefined ? `${tabLabel(tab)} ${formatCount(count)}` : tabLabel(tab)}
          >
            <span className="inbox-tab-label">{tabShortLabel(tab)}</span>
            {count !== undefined && (
              <span className="inbox-tab-count" data-testid={`tab-count-${tab}`}>
                {formatCount(count)}
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}
