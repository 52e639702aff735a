// One timeline entry, laid out per UI.md: inbound bubbles left on neutral, outbound right on the accent
// tint with delivery ticks, internal notes full width on a warm tint with a lock and the author, and
// transitions as centred small system text. A message or note still in the outbox shows its delivery
// state instead of ticks, and a failed one offers retry / discard.
import { Check, CheckCheck, CircleAlert, Clock, Lock } from "lucide-react";
import type { MessageItem } from "../../ipc";
import { t } from "../../i18n";
import { formatDateTime, formatTime } from "../../i18n/format";
import { iconTitle, labelOf } from "../../i18n/labels";
import { LinkifiedText } from "../../lib/safeText";
import { MessageContent, messageTypeLabel } from "./MessageContent";
import { OutboxBadge, OutboxFailure } from "./OutboxState";

const SYSTEM_TYPES = new Set(["TRANSITION", "TRACK"]);

export function DeliveryTicks({ status }: { status: string | null }) {
  if (!status) return null;
  const s = status.toUpperCase();
  const l = labelOf("msg.status", status, STATUS_ALIAS[s] ?? s);
  let icon;
  switch (s) {
    case "SENT":
      icon = <Check size={14} strokeWidth={2.25} />;
      break;
    case "DELIVERED":
      icon = <CheckCheck size={14} strokeWidth={2.25} />;
      break;
    case "READ":
      icon = <CheckCheck size={14} strokeWidth={2.25} />;
      break;
    case "FAILED":
    case "ERROR":
      icon = <CircleAlert size={14} strokeWidth={2.25} />;
      break;
    default:
      icon = <Clock size={13} strokeWidth={2.25} />;
  }
  return (
    <span className={`ticks ticks-${s.toLowerCase()}`} role="img" aria-label={l.label} title={iconTitle(l)} data-status={s}>
      {icon}
    </span>
  );
}

/** Delivery states Helena spells in more than one way, by the name the dictionary uses. */
const STATUS_ALIAS: Record<string, string> = {
  ERROR: "FAILED",
  QUEUED: "PENDING",
  WAITING: "PENDING",
};

export function MessageBubble({ m, grouped }: { m: MessageItem; grouped: boolean }) {
  const time = (
    <time className="msg-time" dateTime={m.createdAt} title={formatDateTime(m.createdAt)}>
      {formatTime(m.createdAt)}
    </time>
  );

  const outbox = m.outbox ?? null;
  const failed = outbox?.state === "failed";
  const queued = outbox !== null && !failed;

  if (m.kind === "note") {
    return (
      <article className="msg-row msg-row-note" data-testid="msg-note" aria-label={t("msg.note")}>
        <div className={`msg-note${queued ? " is-queued" : ""}${failed ? " is-failed" : ""}`}>
          <header className="msg-note-head">
            <Lock size={13} strokeWidth={2.25} aria-hidden="true" />
            <span className="msg-note-label">{t("msg.note")}</span>
            {m.authorName && <span className="msg-note-author">· {m.authorName}</span>}
            <span className="msg-note-spacer" />
            {outbox && <OutboxBadge outbox={outbox} note />}
            {time}
          </header>
          {m.type === "TEXT" || !m.type ? (
            m.text ? (
              <p className="msg-text">
                <LinkifiedText text={m.text} />
              </p>
            ) : null
          ) : (
            <MessageContent m={m} />
          )}
          {failed && <OutboxFailure id={m.id} error={outbox.error} />}
        </div>
      </article>
    );
  }

  if (SYSTEM_TYPES.has(m.type)) {
    return (
      <div className="msg-row msg-row-system" data-testid="msg-system" role="note">
        <span className="msg-system">
          {m.text ? <LinkifiedText text={m.text} /> : messageTypeLabel(m.type).text}
          <span className="msg-system-time"> · {formatTime(m.createdAt)}</span>
        </span>
      </div>
    );
  }

  const out = m.direction === "out";
  const bare = m.type === "STICKER";
  const media = m.type === "IMAGE" || m.type === "VIDEO";
  return (
    <article
      className={`msg-row ${out ? "msg-row-out" : "msg-row-in"}${grouped ? " is-grouped" : ""}`}
      data-testid={`msg-${m.direction ?? "in"}`}
      data-type={m.type}
    >
      <div className="msg-stack">
        {out && m.authorName && !grouped && <span className="msg-author">{m.authorName}</span>}
        <div
          className={`bubble ${out ? "bubble-out" : "bubble-in"}${bare ? " bubble-bare" : ""}${media ? " bubble-media" : ""}${queued ? " is-queued" : ""}${failed ? " is-failed" : ""}`}
        >
          <MessageContent m={m} />
          <span className="msg-meta">
            {outbox && <OutboxBadge outbox={outbox} />}
            {time}
            {out && !outbox && <DeliveryTicks status={m.status} />}
          </span>
        </div>
        {failed && <OutboxFailure id={m.id} error={outbox.error} />}
      </div>
    </article>
  );
}
