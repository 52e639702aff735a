// The inbox column (~360 px): title with the search / command button, the queue tabs, and the
// virtualized conversation list.
import { Search } from "lucide-react";
import { t } from "../../i18n";
import { useUi } from "../shell/uiState";
import { InboxTabs } from "./InboxTabs";
import { ConversationList } from "./ConversationList";

export function InboxColumn() {
  const ui = useUi();
  return (
    <section className="inbox-column" aria-label={t("inbox.title")}>
      <header className="inbox-header">
        <h1 className="inbox-title">{t("inbox.title")}</h1>
        <button
          type="button"
          className="icon-btn"
          aria-label={t("inbox.search")}
          title={t("inbox.search")}
          onClick={() => ui.setOverlay("palette")}
        >
          <Search size={16} strokeWidth={2} />
        </button>
      </header>
      <InboxTabs />
      <ConversationList />
    </section>
  );
}
