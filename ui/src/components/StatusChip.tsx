// Small pill that names a conversation status (Aguardando, Em atendimento, Concluído...).
import type { SessionStatus } from "../ipc";
import { t, type MessageKey } from "../i18n";

const TONE: Record<SessionStatus, string> = {
  UNDEFINED: "neutral",
  STARTED: "accent",
  IN_PROGRESS: "accent",
  PENDING: "warn",
  COMPLETED: "neutral",
  HIDDEN: "neutral",
};

export function statusLabel(status: SessionStatus): string {
  return t(`status.${status}` as MessageKey);
}

export function StatusChip({ status }: { status: SessionStatus }) {
  return <span className={`chip chip-${TONE[status] ?? "neutral"}`}>{statusLabel(status)}</span>;
}
