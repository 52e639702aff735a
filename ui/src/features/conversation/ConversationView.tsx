// The middle column: the open conversation (header, timeline, composer, and the transfer / conclude
// dialogs), or a calm empty state when no conversation is open. The header draws from the list row at
// once and from conversation_detail after.
import { MessagesSquare } from "lucide-react";
import { t } from "../../i18n";
import { useConversationDetail } from "../../lib/queries";
import { ErrorView, StateView } from "../../components/StateView";
import { useUi } from "../shell/uiState";
import { ConversationHeader } from "./ConversationHeader";
import { Timeline } from "./Timeline";
import { Composer } from "./Composer";
import { ConcludeDialog, TransferDialog } from "./ActionDialogs";

export function ConversationView() {
  const ui = useUi();
  const detail = useConversationDetail(ui.openId);

  if (!ui.openSummary) {
    return (
      <section className="conv-view conv-view-empty" aria-label={t("conv.none.title")}>
        <StateView icon={MessagesSquare} title={t("conv.none.title")} body={t("conv.none.body")} />
      </section>
    );
  }

  const c = detail.data ?? ui.openSummary;
  return (
    <section className="conv-view" aria-label={c.contactName ?? t("inbox.unknownContact")}>
      <ConversationHeader c={c} />
      {detail.isError && detail.error && (detail.error as { code?: string }).code === "not_found" ? (
        <div className="timeline timeline-state">
          <ErrorView title={t("conv.error.title")} error={detail.error} onRetry={() => void detail.refetch()} />
        </div>
      ) : (
        <Timeline key={c.id} sessionId={c.id} />
      )}
      <Composer key={`composer-${c.id}`} sessionId={c.id} windowStatus={c.windowStatus} />
      {ui.overlay === "transfer" && <TransferDialog c={c} onClose={() => ui.setOverlay(null)} />}
      {ui.overlay === "conclude" && <ConcludeDialog c={c} onClose={() => ui.setOverlay(null)} />}
    </section>
  );
}
