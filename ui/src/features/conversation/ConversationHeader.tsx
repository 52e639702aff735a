// Conversation header: contact name, phone, status chip, 24 h window, team/agent and channel, the
// (for now disabled) Assumir / Transferir / Concluir actions, and the contact-panel toggle.
import { ArrowRightLeft, CircleCheckBig, PanelRightClose, PanelRightOpen, UserPlus } from "lucide-react";
import type { ConversationSummary } from "../../ipc";
import { t } from "../../i18n";
import { Avatar } from "../../components/Avatar";
import { ChannelIcon } from "../../components/ChannelIcon";
import { StatusChip } from "../../components/StatusChip";
import { useUi } from "../shell/uiState";

export function ConversationHeader({ c }: { c: ConversationSummary }) {
  const ui = useUi();
  const name = c.contactName || c.contactPhone || t("inbox.unknownContact");
  const soon = t("conv.action.soon");
  const teamAgent = [c.departmentName, c.agentName].filter(Boolean).join(" · ");
  return (
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
              {c.channelName}
            </span>
          )}
        </div>
      </div>
      <div className="conv-header-actions">
        <button type="button" className="btn btn-primary btn-sm" disabled title={soon} aria-description={soon}>
          <UserPlus size={15} aria-hidden="true" />
          <span className="btn-label">{t("conv.action.assume")}</span>
        </button>
        <button type="button" className="btn btn-secondary btn-sm" disabled title={soon} aria-description={soon}>
          <ArrowRightLeft size={15} aria-hidden="true" />
          <span className="btn-label">{t("conv.action.transfer")}</span>
        </button>
        <button type="button" className="btn btn-secondary btn-sm" disabled title={soon} aria-description={soon}>
          <CircleCheckBig size={15} aria-hidden="true" />
          <span className="btn-label">{t("conv.action.conclude")}</span>
        </button>
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
  );
}
