// Small pill that names a conversation status (Aguardando, Em atendimento, Concluído...). A status the
// app does not know shows the neutral "Outra situação", with the value received in the tooltip.
import type { SessionStatus } from "../ipc";
import { labelOf, rawTitle } from "../i18n/labels";

const TONE: Record<string, string> = {
  STARTED: "accent",
  IN_PROGRESS: "accent",
  PENDING: "warn",
};

export function StatusChip({ status }: { status: SessionStatus }) {
  const l = labelOf("status", status);
  return (
    <span className={`chip chip-${TONE[status] ?? "neutral"}`} title={rawTitle(l)} data-testid="status-chip">
      {l.label}
    </span>
  );
}
