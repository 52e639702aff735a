// The collapsible contact panel (~320 px) on the right: who the customer is (name, phone, e-mail),
// their tags as coloured chips, and the facts of this conversation (protocol, status, channel, team,
// agent, dates), all from conversation_detail.
import type { ReactNode } from "react";
import { Hash, Mail, PanelRightClose, Phone, Tag as TagIcon, UserRound } from "lucide-react";
import type { ConversationDetail, Tag } from "../../ipc";
import { t } from "../../i18n";
import { labelOf, rawTitle, type ValueLabel } from "../../i18n/labels";
import { formatDateTime } from "../../i18n/format";
import { safeColor } from "../../lib/safeText";
import { useConversationDetail } from "../../lib/queries";
import { Avatar } from "../../components/Avatar";
import { ChannelIcon, channelLabel } from "../../components/ChannelIcon";
import { ErrorView, LoadingView, StateView } from "../../components/StateView";
import { StatusChip } from "../../components/StatusChip";
import { useUi } from "../shell/uiState";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="field">
      <dt className="field-label">{label}</dt>
      <dd className="field-value">{children ?? t("common.none")}</dd>
    </div>
  );
}

/** A server value as text, with the raw value in the tooltip when the app does not know it. */
function ValueText({ l }: { l: ValueLabel }) {
  return <span title={rawTitle(l)}>{l.label}</span>;
}

export function TagChip({ tag }: { tag: Tag }) {
  const color = safeColor(tag.color);
  return (
    <li className="tag-chip" style={color ? { ["--tag-color" as string]: color } : undefined} data-testid="tag-chip">
      <span className="tag-dot" aria-hidden="true" />
      {tag.name}
    </li>
  );
}

function Details({ d }: { d: ConversationDetail }) {
  const name = d.contactName || d.contactPhone || t("inbox.unknownContact");
  return (
    <div className="contact-body">
      <div className="contact-hero">
        <Avatar name={d.contactName} seed={d.contactId ?? d.id} size="lg" />
        <div className="contact-hero-text">
          <p className="contact-name" data-testid="contact-name">
            {name}
          </p>
          {d.contactPhone && <p className="contact-sub">{d.contactPhone}</p>}
        </div>
      </div>

      <section className="panel-section">
        <ul className="contact-lines">
          <li>
            <Phone size={14} aria-hidden="true" />
            <span className="sr-only">{t("contact.phone")}: </span>
            {d.contactPhone ? <span className="selectable">{d.contactPhone}</span> : <span className="muted">{t("common.none")}</span>}
          </li>
          <li>
            <Mail size={14} aria-hidden="true" />
            <span className="sr-only">{t("contact.email")}: </span>
            {d.contactEmail ? <span className="selectable">{d.contactEmail}</span> : <span className="muted">{t("common.none")}</span>}
          </li>
        </ul>
      </section>

      <section className="panel-section">
        <h3 className="panel-section-title">
          <TagIcon size={13} aria-hidden="true" />
          {t("contact.tags")}
        </h3>
        {d.tags.length ? (
          <ul className="tag-list">
            {d.tags.map((tag) => (
              <TagChip key={tag.id} tag={tag} />
            ))}
          </ul>
        ) : (
          <p className="muted small">{t("contact.noTags")}</p>
        )}
      </section>

      <section className="panel-section">
        <h3 className="panel-section-title">
          <Hash size={13} aria-hidden="true" />
          {t("contact.session")}
        </h3>
        <dl className="fields">
          <Field label={t("contact.protocol")}>{d.number ? <span className="selectable mono">{d.number}</span> : null}</Field>
          <Field label={t("contact.status")}>
            <StatusChip status={d.status} />
          </Field>
          <Field label={t("contact.channel")}>
            {d.channelType || d.channelName ? (
              <span className="inline-icon">
                <ChannelIcon type={d.channelType} size={13} />
                {d.channelName || channelLabel(d.channelType).label}
              </span>
            ) : null}
          </Field>
          <Field label={t("contact.team")}>{d.departmentName || null}</Field>
          <Field label={t("contact.agent")}>
            {d.agentName ? (
              <span className="inline-icon">
                <UserRound size={13} aria-hidden="true" />
                {d.agentName}
              </span>
            ) : (
              <span className="muted">{t("inbox.unassigned")}</span>
            )}
          </Field>
          {d.windowStatus && (
            <Field label={t("contact.window")}>
              <ValueText l={labelOf("window", d.windowStatus)} />
            </Field>
          )}
          <Field label={t("contact.started")}>{d.startAt ? formatDateTime(d.startAt) : null}</Field>
          {d.endAt && <Field label={t("contact.ended")}>{formatDateTime(d.endAt)}</Field>}
        </dl>
      </section>
    </div>
  );
}

export function ContactPanel() {
  const ui = useUi();
  const detail = useConversationDetail(ui.openId);
  let body: ReactNode;
  if (!ui.openId) body = <StateView icon={UserRound} title={t("contact.empty")} compact />;
  else if (detail.isPending) body = <LoadingView compact />;
  else if (detail.isError) body = <ErrorView compact title={t("contact.error")} error={detail.error} onRetry={() => void detail.refetch()} />;
  else body = <Details d={detail.data} />;

  return (
    <aside className="contact-panel" aria-label={t("contact.title")} data-testid="contact-panel">
      <header className="panel-header">
        <h2 className="panel-title">{t("contact.title")}</h2>
        <button type="button" className="icon-btn" onClick={ui.togglePanel} aria-label={t("contact.hide")} title={t("contact.hide")}>
          <PanelRightClose size={17} />
        </button>
      </header>
      {body}
    </aside>
  );
}
