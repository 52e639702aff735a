// The status bar's failed-actions popover (outbox_failed): each agent action that failed for good, in
// PT-BR words, with its summary, the error and its age, and "Tentar de novo" / "Descartar" for each.
// Summaries can quote what the customer wrote, so everything here is rendered as plain text. It is the
// "outbox" overlay: Esc (through the shell) or a click outside closes it, and focus returns to the
// status-bar button that opened it.
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import { CircleCheckBig, X } from "lucide-react";
import type { OutboxFailed } from "../../ipc";
import { t } from "../../i18n";
import { labelOf, rawTitle } from "../../i18n/labels";
import { formatDateTime, formatRelative } from "../../i18n/format";
import { ErrorView, LoadingView, StateView } from "../../components/StateView";
import { OutboxFailure } from "../conversation/OutboxState";
import { useOutboxFailed } from "../../lib/queries";

function ActionLabel({ action }: { action: string }) {
  const l = labelOf("outbox.action", action);
  return (
    <span className="outbox-item-action" title={rawTitle(l)}>
      {l.label}
    </span>
  );
}

function FailedRow({ item }: { item: OutboxFailed }) {
  return (
    <li className="outbox-item" data-testid="outbox-item">
      <div className="outbox-item-head">
        <ActionLabel action={item.action} />
        <time className="outbox-item-time" dateTime={item.createdAt} title={formatDateTime(item.createdAt)}>
          {formatRelative(item.createdAt)}
        </time>
      </div>
      {item.summary && <p className="outbox-item-summary">{item.summary}</p>}
      <OutboxFailure id={item.id} error={item.error} />
    </li>
  );
}

const PANEL_W = 360;

export function OutboxPanel({ onClose, anchorRef }: { onClose(): void; anchorRef: RefObject<HTMLElement | null> }) {
  const q = useOutboxFailed();
  const ref = useRef<HTMLDivElement>(null);
  const [left, setLeft] = useState<number | null>(null);

  // Sit above the button that opened it, inside the window.
  useLayoutEffect(() => {
    const rect = anchorRef.current?.getBoundingClientRect();
    if (!rect) return;
    setLeft(Math.max(8, Math.min(rect.left - 8, window.innerWidth - PANEL_W - 8)));
  }, [anchorRef]);

  // Focus moves in on open and back to the opener on close; a click outside closes.
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.focus();
    function onDown(e: MouseEvent) {
      const target = e.target as Node;
      if (ref.current?.contains(target) || anchorRef.current?.contains(target)) return;
      onClose();
    }
    document.addEventListener("mousedown", onDown);
    return () => {
      document.removeEventListener("mousedown", onDown);
      const back = anchorRef.current ?? previous;
      if (back && document.contains(back)) back.focus();
    };
  }, [anchorRef, onClose]);

  let body;
  if (q.isPending) body = <LoadingView compact />;
  else if (q.isError) body = <ErrorView compact title={t("outbox.panel.error")} error={q.error} onRetry={() => void q.refetch()} />;
  else if (q.data.length === 0)
    body = <StateView compact icon={CircleCheckBig} title={t("outbox.panel.empty")} body={t("outbox.panel.emptyBody")} />;
  else
    body = (
      <ul className="outbox-list">
        {q.data.map((item) => (
          <FailedRow key={item.id} item={item} />
        ))}
      </ul>
    );

  return (
    <div
      ref={ref}
      className="popover outbox-panel"
      role="dialog"
      aria-label={t("outbox.panel.title")}
      tabIndex={-1}
      data-testid="outbox-panel"
      style={left !== null ? { left } : undefined}
    >
      <header className="popover-header">
        <h2 className="popover-title">{t("outbox.panel.title")}</h2>
        <button type="button" className="icon-btn icon-btn-sm" onClick={onClose} aria-label={t("common.close")} title={t("common.close")}>
          <X size={15} />
        </button>
      </header>
      <div className="popover-body">{body}</div>
    </div>
  );
}
