// Friendly placeholder for the sections that are not built yet (Contatos, Supervisão, Canais, Ajustes).
import { t } from "../../i18n";
import { StateView } from "../../components/StateView";
import { SECTIONS } from "./Rail";
import { useUi, type Section } from "./uiState";

export function ComingSoon({ section }: { section: Exclude<Section, "inbox"> }) {
  const ui = useUi();
  const meta = SECTIONS.find((s) => s.id === section)!;
  return (
    <main className="coming-soon" data-testid="coming-soon">
      <span className="soon-badge">{t("soon.badge")}</span>
      <StateView
        icon={meta.icon}
        title={t("soon.title", { section: t(meta.label) })}
        body={t("soon.body")}
        action={
          <button type="button" className="btn btn-primary btn-sm" onClick={() => ui.setSection("inbox")}>
            {t("soon.back")}
          </button>
        }
      />
    </main>
  );
}
