// One row of the conversation list: avatar, contact name, relative time, channel + last-message
// preview, unread badge, and team/agent. Customer text is plain React text.
import type { ConversationSummary, Tab } from "../../ipc";
import { t, tn } from "../../i18n";
import { formatDateTime, formatRelative } from "../../i18n/format";
import { Avatar } from "../../components/Avatar";
import { ChannelIcon } from "../../components/ChannelIcon";
import { statusLabel } from "../../components/StatusChip";

interface Props {
  row: ConversationSummary;
  index: number;
  tab: Tab;
  active: boolean;
  open: boolean;
  now: Date;
  onOpen(row: ConversationSummary, index: number): void;
}

export function ConversationRow({ row, index, tab, active, open, now, onOpen }: Props) {
  const name = row.contactName || row.contactPhone || t("inbox.unknownContact");
  const unread = row.unreadCount > 0;
  const meta = [
    tab === "all" ? statusLabel(row.status) : null,
    row.departmentName || t("inbox.noTeam"),
    row.agentName || t("inbox.unassigned"),
  ].filter(Boolean);
  return (
    <div
      id={`conv-row-${index}`}
      role="option"
      aria-selected={active}
      aria-current={open ? "true" : undefined}
      className={`conv-row${active ? " is-active" : ""}${open ? " is-open" : ""}${unread ? " is-unread" : ""}`}
      onClick={() => onOpen(row, index)}
      data-testid="conv-row"
    >
      <Avatar name={row.contactName} seed={row.contactId ?? row.id} />
      <div className="conv-row-body">
        <div className="conv-row-line">
          <span className="conv-row-name">{name}</span>
          <time className="conv-row-time" dateTime={row.lastInteractionAt ?? undefined} title={formatDateTime(row.lastInteractionAt)}>
            {formatRelative(row.lastInteractionAt, now)}
          </time>
        </div>
        <div className="conv-row-line">
          <ChannelIcon type={row.channelType} size={13} />
          <span className={`conv-row-preview${row.lastMessageText ? "" : " is-empty"}`}>
            {row.lastMessageText || t("inbox.noMessages")}
          </span>
          {unread && (
            <span className="badge" aria-label={tn("inbox.unread", row.unreadCount)}>
              {row.unreadCount > 99 ? "99+" : row.unreadCount}
            </span>
          )}
        </div>
        <div className="conv-row-meta">{meta.join(" · ")}</div>
      </div>
    </div>
  );
}

export function ConversationRowPlaceholder({ index }: { index: number }) {
  return (
    <div id={`conv-row-${index}`} role="option" aria-selected={false} aria-busy="true" aria-label={t("inbox.rowLoading")} className="conv-row is-placeholder">
      <span className="avatar avatar-md skeleton" aria-hidden="true" />
      <div className="conv-row-body" aria-hidden="true">
        <span className="skeleton skeleton-line" style={{ width: "46%" }} />
        <span className="skeleton skeleton-line" style={{ width: "78%" }} />
        <span className="skeleton skeleton-line skeleton-thin" style={{ width: "34%" }} />
      </div>
    </div>
  );
}
