// Ctrl+K command palette: the actions that apply to the open conversation (assume, transfer, conclude,
// reopen), switch tab, toggle the contact panel, show shortcuts, failed actions, sync now, or jump to a
// conversation by contact name or phone among the rows already loaded in the query cache.
import { useMemo, useState, type KeyboardEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowRight, ArrowRightLeft, CircleAlert, CircleCheckBig, Keyboard, PanelRight, RefreshCw, RotateCcw, Search, UserPlus } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import * as ipc from "../../ipc";
import { TABS, type ConversationSummary, type InboxPage } from "../../ipc";
import { t } from "../../i18n";
import { Avatar } from "../../components/Avatar";
import { ChannelIcon } from "../../components/ChannelIcon";
import { INBOX_PAGE_SIZE, qk, useAppInfo, useConversationDetail, useSyncStatus } from "../../lib/queries";
import { availableActions, useConvAction } from "../../lib/actions";
import { Modal } from "../../components/Modal";
import { tabLabel } from "../inbox/InboxTabs";
import { useUi } from "./uiState";

interface Command {
  id: string;
  group: "actions" | "conversations";
  label: string;
  sub?: string;
  icon?: LucideIcon;
  row?: ConversationSummary;
  run(): void;
}

const MAX_CONVERSATIONS = 8;

export function normalize(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
}

/** Every conversation row currently in the cache (all tabs, all loaded windows), deduplicated. */
function loadedRows(qc: ReturnType<typeof useQueryClient>): ConversationSummary[] {
  const seen = new Map<string, ConversationSummary>();
  for (const [, data] of qc.getQueriesData<InboxPage>({ queryKey: ["inbox_page"] })) {
    for (const row of data?.items ?? []) if (!seen.has(row.id)) seen.set(row.id, row);
  }
  return [...seen.values()];
}

export function CommandPalette({ onClose }: { onClose(): void }) {
  const ui = useUi();
  const qc = useQueryClient();
  const [query, setQuery] = useState("");
  const [cursor, setCursor] = useState(0);
  const info = useAppInfo();
  const sync = useSyncStatus();
  const detail = useConversationDetail(ui.openId);
  const convAction = useConvAction("direct");
  const open = ui.section === "inbox" ? (detail.data ?? ui.openSummary) : null;
  const failed = sync.data?.failed ?? 0;
  const meName = info.data?.me?.name ?? null;
  const mutate = convAction.mutate;

  const commands = useMemo<Command[]>(() => {
    const q = normalize(query);
    const convActions: Command[] = [];
    if (open) {
      const avail = availableActions(open, meName);
      if (avail.assume)
        convActions.push({ id: "assume", group: "actions", label: t("palette.assume"), icon: UserPlus, run: () => mutate({ kind: "assume", sessionId: open.id }) });
      if (avail.transfer)
        convActions.push({ id: "transfer", group: "actions", label: t("palette.transfer"), icon: ArrowRightLeft, run: () => ui.setOverlay("transfer") });
      if (avail.conclude)
        convActions.push({ id: "conclude", group: "actions", label: t("palette.conclude"), icon: CircleCheckBig, run: () => ui.setOverlay("conclude") });
      if (avail.reopen)
        convActions.push({ id: "reopen", group: "actions", label: t("palette.reopen"), icon: RotateCcw, run: () => mutate({ kind: "reopen", sessionId: open.id }) });
    }
    const actions: Command[] = [
      ...convActions,
      ...TABS.map((tab) => ({
        id: `tab-${tab}`,
        group: "actions" as const,
        label: t("palette.goTab", { tab: tabLabel(tab) }),
        icon: ArrowRight,
        run: () => {
          ui.setSection("inbox");
          ui.setTab(tab);
        },
      })),
      { id: "panel", group: "actions", label: t("palette.togglePanel"), icon: PanelRight, run: ui.togglePanel },
      { id: "shortcuts", group: "actions", label: t("palette.shortcuts"), icon: Keyboard, run: () => ui.setOverlay("shortcuts") },
      ...(failed > 0
        ? [{ id: "failed", group: "actions" as const, label: t("palette.failed"), icon: CircleAlert, run: () => ui.setOverlay("outbox") }]
        : []),
      { id: "sync", group: "actions", label: t("palette.syncNow"), icon: RefreshCw, run: () => void ipc.syncNow().catch(() => undefined) },
    ];
    const matchedActions = q ? actions.filter((a) => normalize(a.label).includes(q)) : actions;

    const digits = q.replace(/\D/g, "");
    const rows = loadedRows(qc)
      .filter((r) => {
        if (!q) return true;
        if (r.contactName && normalize(r.contactName).includes(q)) return true;
        return digits.length >= 3 && (r.contactPhone ?? "").replace(/\D/g, "").includes(digits);
      })
      .slice(0, MAX_CONVERSATIONS)
      .map<Command>((row) => ({
        id: `conv-${row.id}`,
        group: "conversations",
        label: row.contactName || row.contactPhone || t("inbox.unknownContact"),
        sub: [row.contactPhone, row.departmentName].filter(Boolean).join(" · "),
        row,
        run: () => {
          ui.setSection("inbox");
          const cached = qc.getQueryData<InboxPage>(qk.inboxPage(ui.tab, 0, INBOX_PAGE_SIZE));
          const index = cached?.items.findIndex((r) => r.id === row.id) ?? -1;
          ui.openConversation(row, index >= 0 ? index : undefined);
        },
      }));
    // With a query, conversations first: typing a name is the common case.
    return q ? [...rows, ...matchedActions] : [...matchedActions, ...rows];
  }, [query, qc, ui, open, meName, failed, mutate]);

  const active = Math.min(cursor, Math.max(0, commands.length - 1));

  function run(c: Command | undefined) {
    if (!c) return;
    onClose();
    c.run();
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setCursor((active + 1) % Math.max(1, commands.length));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setCursor((active - 1 + commands.length) % Math.max(1, commands.length));
    } else if (e.key === "Enter") {
      e.preventDefault();
      run(commands[active]);
    }
  }

  let lastGroup: string | null = null;
  return (
    <Modal label={t("palette.title")} onClose={onClose} className="palette">
      <div className="palette-search">
        <Search size={16} aria-hidden="true" />
        <input
          data-autofocus
          className="palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={commands[active] ? `palette-${commands[active]!.id}` : undefined}
          aria-label={t("palette.placeholder")}
          placeholder={t("palette.placeholder")}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setCursor(0);
          }}
          onKeyDown={onKeyDown}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="palette-list" id="palette-list" role="listbox" aria-label={t("palette.title")}>
        {commands.length === 0 && <p className="palette-empty">{t("palette.empty")}</p>}
        {commands.map((c, i) => {
          const header =
            c.group !== lastGroup ? (
              <div className="palette-group" role="presentation" key={`g-${c.group}`}>
                {c.group === "actions" ? t("palette.group.actions") : t("palette.group.conversations")}
              </div>
            ) : null;
          lastGroup = c.group;
          const Icon = c.icon;
          return [
            header,
            <div
              key={c.id}
              id={`palette-${c.id}`}
              role="option"
              aria-selected={i === active}
              className={`palette-item${i === active ? " is-active" : ""}`}
              onMouseMove={() => setCursor(i)}
              onClick={() => run(c)}
            >
              {c.row ? (
                <Avatar name={c.row.contactName} seed={c.row.contactId ?? c.row.id} size="sm" />
              ) : Icon ? (
                <span className="palette-icon" aria-hidden="true">
                  <Icon size={15} />
                </span>
              ) : null}
              <span className="palette-label">{c.label}</span>
              {c.sub && <span className="palette-sub">{c.sub}</span>}
              {c.row && <ChannelIcon type={c.row.channelType} size={13} />}
            </div>,
          ];
        })}
      </div>
      <footer className="palette-footer">{t("palette.footer")}</footer>
    </Modal>
  );
}
