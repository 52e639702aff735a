// The left navigation rail: Atendimentos, Contatos, Supervisão, Canais, Ajustes (only Atendimentos is
// live; the others show an "em breve" page) and the keyboard-shortcut sheet at the bottom.
import { ChartNoAxesColumn, ContactRound, Headset, Keyboard, MessagesSquare, RadioTower, Settings } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import { t, type MessageKey } from "../../i18n";
import { useUi, type Section } from "./uiState";

export const SECTIONS: { id: Section; icon: LucideIcon; label: MessageKey }[] = [
  { id: "inbox", icon: MessagesSquare, label: "nav.inbox" },
  { id: "contacts", icon: ContactRound, label: "nav.contacts" },
  { id: "supervision", icon: ChartNoAxesColumn, label: "nav.supervision" },
  { id: "channels", icon: RadioTower, label: "nav.channels" },
  { id: "settings", icon: Settings, label: "nav.settings" },
];

export function Rail() {
  const ui = useUi();
  return (
    <nav className="rail" aria-label={t("nav.label")}>
      <div className="rail-logo" title={t("app.name")} aria-hidden="true">
        <Headset size={18} strokeWidth={2.25} />
      </div>
      <ul className="rail-list">
        {SECTIONS.map(({ id, icon: Icon, label }) => {
          const active = ui.section === id;
          return (
            <li key={id}>
              <button
                type="button"
                className={`icon-btn rail-btn${active ? " is-active" : ""}`}
                aria-current={active ? "page" : undefined}
                aria-label={t(label)}
                title={t(label)}
                onClick={() => ui.setSection(id)}
                data-testid={`nav-${id}`}
              >
                <Icon size={20} strokeWidth={1.9} />
              </button>
            </li>
          );
        })}
      </ul>
      <div className="rail-bottom">
        <button
          type="button"
          className="icon-btn rail-btn"
          aria-label={t("nav.shortcuts")}
          title={t("nav.shortcuts")}
          onClick={() => ui.setOverlay("shortcuts")}
        >
          <Keyboard size={19} strokeWidth={1.9} />
        </button>
      </div>
    </nav>
  );
}
