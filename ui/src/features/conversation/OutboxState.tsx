// Delivery state of a message or note still in the local outbox: a small clock "Na fila", "Enviando…"
// or "Verificando…" next to the time, and for a failed one the error with "Tentar de novo" and
// "Descartar" (discarding also undoes the optimistic change). The error text comes from the shell and
// may quote the server, so it is rendered as text only.
import { CircleAlert, Clock, Hourglass, LoaderCircle, RotateCw, Trash2 } from "lucide-react";
import { toIpcError, type MessageOutbox } from "../../ipc";
import { t } from "../../i18n";
import { useOutboxItemAction } from "../../lib/actions";

export function OutboxBadge({ outbox, note }: { outbox: MessageOutbox; note?: boolean }) {
  let icon;
  let label: string;
  let hint: string | undefined;
  switch (outbox.state) {
    case "pending":
      icon = <Clock size={12} strokeWidth={2.25} />;
      label = t("outbox.pending");
      break;
    case "sending":
      icon = <LoaderCircle size={12} strokeWidth={2.25} className="spin" />;
      label = t("outbox.sending");
      break;
    case "uncertain":
      icon = <Hourglass size={12} strokeWidth={2.25} />;
      label = t("outbox.uncertain");
      hint = t("outbox.uncertainHint");
      break;
    case "failed":
      icon = <CircleAlert size={12} strokeWidth={2.25} />;
      label = note ? t("outbox.failedNote") : t("outbox.failed");
      break;
  }
  return (
    <span className={`outbox-badge outbox-${outbox.state}`} data-testid="outbox-state" data-state={outbox.state} title={hint}>
      <span aria-hidden="true" className="outbox-badge-icon">
        {icon}
      </span>
      {label}
    </span>
  );
}

/** The failed row under a bubble (or inside a note): the error and the two ways out. */
export function OutboxFailure({ id, error }: { id: string; error: string | null }) {
  const act = useOutboxItemAction();
  const actError = act.error ? toIpcError(act.error).message : null;
  return (
    <div className="outbox-failure" role="group" aria-label={t("outbox.failed")} data-testid="outbox-failure">
      {(error || actError) && (
        <p className="outbox-failure-error" role="alert">
          <CircleAlert size={13} strokeWidth={2.25} aria-hidden="true" />
          <span>{actError ?? error}</span>
        </p>
      )}
      <div className="outbox-failure-actions">
        <button type="button" className="btn btn-secondary btn-xs" disabled={act.isPending} onClick={() => act.mutate({ op: "retry", id })}>
          <RotateCw size={13} aria-hidden="true" />
          {t("outbox.retry")}
        </button>
        <button type="button" className="btn btn-ghost btn-xs" disabled={act.isPending} onClick={() => act.mutate({ op: "discard", id })}>
          <Trash2 size={13} aria-hidden="true" />
          {t("outbox.discard")}
        </button>
      </div>
    </div>
  );
}
