// The two dialogs of the conversation actions: Transferir (a team, and optionally an agent of that team,
// from transfer_targets) and the confirmation step of Concluir. Both are keyboard-first (focus starts
// inside, Tab stays inside, Esc closes through the shell) and keep a refused command's error inline.
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ArrowRightLeft, CircleAlert, CircleCheckBig, X } from "lucide-react";
import { toIpcError, type ConversationSummary } from "../../ipc";
import { t } from "../../i18n";
import { Modal } from "../../components/Modal";
import { ErrorView, LoadingView, StateView } from "../../components/StateView";
import { useConvAction } from "../../lib/actions";
import { useTransferTargets } from "../../lib/queries";

function DialogHeader({ title, onClose }: { title: string; onClose(): void }) {
  return (
    <header className="dialog-header">
      <h2 className="dialog-title">{title}</h2>
      <button type="button" className="icon-btn" onClick={onClose} aria-label={t("common.close")} title={t("common.close")}>
        <X size={16} />
      </button>
    </header>
  );
}

function InlineError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="dialog-error" role="alert" data-testid="dialog-error">
      <CircleAlert size={14} strokeWidth={2.25} aria-hidden="true" />
      <span>{message}</span>
    </p>
  );
}

const byName = new Intl.Collator("pt-BR", { sensitivity: "base" });

export function TransferDialog({ c, onClose }: { c: ConversationSummary; onClose(): void }) {
  const targets = useTransferTargets();
  const action = useConvAction("dialog");
  const [team, setTeam] = useState<string | null>(null);
  const [agent, setAgent] = useState("");
  const [error, setError] = useState<string | null>(null);
  const teamRef = useRef<HTMLSelectElement>(null);

  // The targets may arrive after the dialog took focus: move it to the team field then.
  const loaded = targets.data !== undefined;
  useEffect(() => {
    if (loaded) teamRef.current?.focus();
  }, [loaded]);

  const departments = useMemo(
    () => [...(targets.data?.departments ?? [])].sort((a, b) => byName.compare(a.name, b.name)),
    [targets.data],
  );
  // Start on the conversation's current team (handy for handing it to a colleague of the same team).
  const currentTeam = departments.find((d) => d.name === c.departmentName)?.id ?? "";
  const teamId = team ?? currentTeam;
  const agents = useMemo(
    () =>
      (targets.data?.agents ?? [])
        .filter((a) => teamId !== "" && a.departmentIds.includes(teamId))
        .sort((a, b) => byName.compare(a.name, b.name)),
    [targets.data, teamId],
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!teamId || action.isPending) return;
    setError(null);
    try {
      await action.mutateAsync({ kind: "transfer", sessionId: c.id, departmentId: teamId, userId: agent || null });
      onClose();
    } catch (err) {
      setError(toIpcError(err).message);
    }
  }

  let body;
  if (targets.isPending) body = <LoadingView compact />;
  else if (targets.isError) body = <ErrorView compact title={t("transfer.loadError")} error={targets.error} onRetry={() => void targets.refetch()} />;
  else if (departments.length === 0) body = <StateView compact title={t("transfer.empty")} />;
  else
    body = (
      <>
        <p className="dialog-hint">{t("transfer.hint")}</p>
        <label className="form-field">
          <span className="form-label">{t("transfer.team")}</span>
          <select
            ref={teamRef}
            className="select"
            data-autofocus
            value={teamId}
            onChange={(e) => {
              setTeam(e.target.value);
              setAgent("");
            }}
            required
          >
            <option value="" disabled>
              {t("transfer.teamPlaceholder")}
            </option>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="form-field">
          <span className="form-label">{t("transfer.agent")}</span>
          <select className="select" value={agent} onChange={(e) => setAgent(e.target.value)} disabled={!teamId}>
            <option value="">{t("transfer.anyAgent")}</option>
            {agents.map((a) => (
              <option key={a.userId} value={a.userId}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
      </>
    );

  return (
    <Modal label={t("transfer.title")} onClose={onClose} className="dialog">
      <form onSubmit={onSubmit} data-testid="transfer-dialog">
        <DialogHeader title={t("transfer.title")} onClose={onClose} />
        <div className="dialog-body">
          {body}
          <InlineError message={error} />
        </div>
        <footer className="dialog-footer">
          <button type="button" className="btn btn-secondary btn-sm" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary btn-sm" disabled={!teamId || action.isPending || !targets.data}>
            <ArrowRightLeft size={15} aria-hidden="true" />
            {t("transfer.submit")}
          </button>
        </footer>
      </form>
    </Modal>
  );
}

export function ConcludeDialog({ c, onClose }: { c: ConversationSummary; onClose(): void }) {
  const action = useConvAction("dialog");
  const [error, setError] = useState<string | null>(null);
  const name = c.contactName || c.contactPhone || t("inbox.unknownContact");

  async function confirm() {
    if (action.isPending) return;
    setError(null);
    try {
      await action.mutateAsync({ kind: "conclude", sessionId: c.id });
      onClose();
    } catch (err) {
      setError(toIpcError(err).message);
    }
  }

  return (
    <Modal label={t("conclude.title")} onClose={onClose} className="dialog dialog-sm">
      <div data-testid="conclude-dialog">
        <DialogHeader title={t("conclude.title")} onClose={onClose} />
        <div className="dialog-body">
          <p className="dialog-text">{t("conclude.body", { name })}</p>
          <InlineError message={error} />
        </div>
        <footer className="dialog-footer">
          <button type="button" className="btn btn-secondary btn-sm" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="button" className="btn btn-primary btn-sm" data-autofocus onClick={() => void confirm()} disabled={action.isPending}>
            <CircleCheckBig size={15} aria-hidden="true" />
            {t("conclude.confirm")}
          </button>
        </footer>
      </div>
    </Modal>
  );
}
