// One row of the conversation list: avatar, contact name, relative time, channel + last-message
// preview, unread badge, and team/agent. Customer text is plain React text. A last message without
// text (a photo, an audio...) shows its kind with an icon; "Sem mensagens" only when there is none.
import { ContactRound, FileText, Film, Image as ImageIcon, LayoutList, LayoutTemplate, MapPin, MessageSquare, Mic, MousePointerClick, Sticker } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import type { ConversationSummary, Tab } from "../../ipc";
import { t, tn } from "../../i18n";
import { formatDateTime, formatRelative } from "../../i18n/format";
import { labelOf, rawTitle } from "../../i18n/labels";
import { Avatar } from "../../components/Avatar";
import { ChannelIcon } from "../../components/ChannelIcon";

const KIND_ICONS: Record<string, LucideIcon> = {
  IMAGE: ImageIcon,
  AUDIO: Mic,
  VIDEO: Film,
  DOCUMENT: FileText,
  STICKER: Sticker,
  LOCATION: MapPin,
  TEMPLATE: LayoutTemplate,
  CONTACT: ContactRound,
  LIST: LayoutList,
  BUTTONS: MousePointerClick,
};

/** Helena names a shared contact both CONTACT and CONTACTS. */
const KIND_ALIAS: Record<string, string> = { CONTACTS: "CONTACT" };

/**
 * The last message: its text (after the kind's icon for media with a caption), else its kind. A
 * conversation with activity whose messages are not stored yet (first sync) says "Mensagem";
 * "Sem mensagens" only when it has none at all.
 */
function LastMessagePreview({ text, type, active }: { text: string | null; type: string | null; active: boolean }) {
  const hasText = !!text?.trim();
  if (!hasText && !type && !active) return <span className="conv-row-preview is-empty">{t("inbox.noMessages")}</span>;
  const key = type ? (KIND_ALIAS[type] ?? type) : null;
  const kind = labelOf("preview", type, key);
  const Icon = (key && KIND_ICONS[key]) || undefined;
  if (hasText) {
    return (
      <span className="conv-row-preview">
        {Icon && (
          <>
            <Icon className="conv-row-kind-icon" size={13} strokeWidth={2} aria-hidden="true" />
            <span className="sr-only">{kind.label}: </span>
          </>
        )}
        {text}
      </span>
    );
  }
  const KindIcon = Icon ?? MessageSquare;
  return (
    <span className="conv-row-preview is-kind" title={rawTitle(kind)} data-testid="conv-row-kind">
      <KindIcon className="conv-row-kind-icon" size={13} strokeWidth={2} aria-hidden="true" />
      {kind.label}
    </span>
  );
}

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
  const status = tab === "all" ? labelOf("status", row.status) : null;
  const meta = [row.departmentName || t("inbox.noTeam"), row.agentName || t("inbox.unassigned")].join(" · ");
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
          <LastMessagePreview text={row.lastMessageText} type={row.lastMessageType} active={!!row.lastInteractionAt} />
          {unread && (
            <span className="badge" aria-label={tn("inbox.unread", row.unreadCount)}>
              {row.unreadCount > 99 ? "99+" : row.unreadCount}
            </span>
          )}
        </div>
        <div className="conv-row-meta">
          {status && (
            <>
              <span title={rawTitle(status)} data-testid="conv-row-status">
                {status.label}
              </span>
              {" · "}
            </>
          )}
          {meta}
        </div>
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
