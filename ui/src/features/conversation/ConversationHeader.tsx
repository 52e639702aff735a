// Conversation header: contact name, phone, status chip, 24 h window, team/agent and channel, the
// Assumir (A) / Transferir (T) / Concluir (C, confirmed) / Reabrir actions that apply to the status, the
// contact-panel toggle, and underneath it the error of an action that the shell refused.
import { useEffect, useRef, useState } from "react";
import { useMutationState } from "@tanstack/react-query";
import { ArrowRightLeft, CircleAlert, CircleCheckBig, PanelRightClose, PanelRightOpen, RotateCcw, UserPlus, X } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import type { ConversationSummary } from "../../ipc";
import { t } from "../../i18n";
import { Avatar } from "../../components/Avatar";
import { ChannelIcon, channelLabel } from "../../components/ChannelIcon";
import { StatusChip } from "../../components/StatusChip";
import { availableActions, DIRECT_ACTION_KEY, useConvAction, type ConvAction } from "../../lib/actions";
import { hasModifier, isTypingTarget } from "../../lib/keyboard";
import { useAppInfo } from "../../lib/queries";
import { useUi } from "../shell/uiState";

/** The latest header/palette action on this conversation, when it failed. */
function useLastActionError(sessionId: string): { message: string; at: number } | null {
  const states = useMutationState({
    filters: { mutationKey: [...DIRECT_ACTION_KEY], exact: true },
    select: (m) => ({
      status: m.state.status,
      error: m.state.error as { message?: string } | null,
      sessionId: (m.state.variables as ConvAction | undefined)?.sessionId,
      at: m.state.submittedAt,
    }),
  });
  const mine = states.filter((s) => s.sessionId === sessionId);
  const last = mine[mine.length - 1];
  if (!last || last.status !== "error") return null;
  return { message: last.error?.message ?? t("common.none"), at: last.at };
}

export function ConversationHeader({ c }: { c: ConversationSummary }) {
  const ui = useUi();
  const info = useAppInfo();
  const action = useConvAction("direct");
  const avail = availableActions(c, info.data?.me?.name ?? null);
  const lastError = useLastActionError(c.id);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const name = c.contactName || c.contactPhone || t("inbox.unknownContact");
  const teamAgent = [c.departmentName, c.agentName].filter(Boolean).join(" · ");

  const run = (kind: "assume" | "reopen") => action.mutate({ kind, sessionId: c.id });

  // A / T / C from anywhere outside a text field, when no overlay is open.
  const keyState = useRef({ avail, overlay: ui.overlay, section: ui.section, run, setOverlay: ui.setOverlay });
  keyState.current = { avail, overlay: ui.overlay, section: ui.section, run, setOverlay: ui.setOverlay };
  useEffect(() => {
    function onKeyDown(e: KeyboardEvent) {
      const s = keyState.current;
      if (s.overlay || s.section !== "inbox" || e.repeat) return;
      if (e.defaultPrevented || hasModifier(e) || isTypingTarget(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === "a" && s.avail.assume) {
        e.preventDefault();
        s.run("assume");
      } else if (key === "t" && s.avail.transfer) {
        e.preventDefault();
        s.setOverlay("transfer");
      } else if (key === "c" && s.avail.conclude) {
        e.preventDefault();
        s.setOverlay("conclude");
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  const buttons: { show: boolean; label: string; icon: LucideIcon; onClick(): void; primary?: boolean; dialog?: boolean; keys?: string }[] = [
    { show: avail.assume, label: t("conv.action.assume"), icon: UserPlus, onClick: () => run("assume"), primary: true, keys: "A" },
    { show: avail.transfer, label: t("conv.action.transfer"), icon: ArrowRightLeft, onClick: () => ui.setOverlay("transfer"), dialog: true, keys: "T" },
    { show: avail.conclude, label: t("conv.action.conclude"), icon: CircleCheckBig, onClick: () => ui.setOverlay("conclude"), dialog: true, keys: "C" },
    { show: avail.reopen, label: t("conv.action.reopen"), icon: RotateCcw, onClick: () => run("reopen"), primary: true },
  ];

  const showError = lastError && lastError.at !== dismissedAt ? lastError : null;

  return (
    <>
      <header className="conv-header">
        <Avatar name={c.contactName} seed={c.contactId ?? c.id} />
        <div className="conv-header-main">
          <div className="conv-header-line">
            <h2 className="conv-header-name" data-testid="conv-title">
              {name}
            </h2>
            <StatusChip status={c.status} />
            {c.windowStatus === "EXPIRED" && <span className="chip chip-warn-outline">{t("window.EXPIRED")}</span>}
          </div>
          <div className="conv-header-sub">
            {c.contactPhone && c.contactName && <span className="conv-header-phone">{c.contactPhone}</span>}
            {teamAgent && <span>{teamAgent}</span>}
            {c.channelType && (
              <span className="conv-header-channel">
                <ChannelIcon type={c.channelType} size={13} />
                {c.channelName || channelLabel(c.channelType).label}
              </span>
            )}
          </div>
        </div>
        <div className="conv-header-actions" role="group" aria-label={t("conv.action.label")}>
          {buttons.map((b) =>
            b.show ? (
              <button
                key={b.label}
                type="button"
                className={`btn ${b.primary ? "btn-primary" : "btn-secondary"} btn-sm`}
                onClick={b.onClick}
                disabled={b.dialog ? undefined : action.isPending}
                aria-haspopup={b.dialog ? "dialog" : undefined}
                title={b.keys ? `${b.label} (${b.keys})` : b.label}
                aria-keyshortcuts={b.keys}
              >
                <b.icon size={15} aria-hidden="true" />
                <span className="btn-label">{b.label}</span>
              </button>
            ) : null,
          )}
          <span className="divider-v" aria-hidden="true" />
          <button
            type="button"
            className={`icon-btn${ui.panelOpen ? " is-on" : ""}`}
            onClick={ui.togglePanel}
            aria-pressed={ui.panelOpen}
            aria-label={ui.panelOpen ? t("conv.hidePanel") : t("conv.showPanel")}
            title={ui.panelOpen ? t("conv.hidePanel") : t("conv.showPanel")}
          >
            {ui.panelOpen ? <PanelRightClose size={17} /> : <PanelRightOpen size={17} />}
          </button>
        </div>
      </header>
      {showError && (
        <div className="conv-action-error" role="alert" data-testid="action-error">
          <CircleAlert size={15} strokeWidth={2.25} aria-hidden="true" />
          <span className="conv-action-error-text">{showError.message}</span>
          <button
            type="button"
            className="icon-btn icon-btn-xs"
            onClick={() => setDismissedAt(showError.at)}
            aria-label={t("common.dismiss")}
            title={t("common.dismiss")}
          >
            <X size={13} />
          </button>
        </div>
      )}
    </>
  );
}
