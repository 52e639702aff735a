// The reply area, shown but disabled in this version with a hint that sending arrives next; it already
// carries the tools from UI.md (quick messages, template, attachment, internal note).
import { FileText, Lock, Paperclip, SendHorizontal, Zap } from "lucide-react";
import type { WindowStatus } from "../../ipc";
import { t } from "../../i18n";

export function Composer({ windowStatus }: { windowStatus: WindowStatus | null }) {
  const tools = [
    { icon: Zap, label: t("composer.quick") },
    { icon: FileText, label: t("composer.template") },
    { icon: Paperclip, label: t("composer.attach") },
    { icon: Lock, label: t("composer.note") },
  ];
  return (
    <div className="composer" aria-label={t("composer.label")} role="group">
      {windowStatus === "EXPIRED" && <p className="composer-warn">{t("composer.windowExpired")}</p>}
      <div className="composer-box is-disabled" title={t("composer.hint")}>
        <textarea
          className="composer-input"
          rows={2}
          disabled
          placeholder={t("composer.placeholder")}
          aria-label={t("composer.label")}
        />
        <div className="composer-bar">
          {tools.map(({ icon: Icon, label }) => (
            <button key={label} type="button" className="icon-btn icon-btn-sm" disabled aria-label={label} title={label}>
              <Icon size={16} />
            </button>
          ))}
          <span className="composer-spacer" />
          <button type="button" className="btn btn-primary btn-sm" disabled>
            <SendHorizontal size={15} aria-hidden="true" />
            {t("composer.send")}
          </button>
        </div>
      </div>
    </div>
  );
}
