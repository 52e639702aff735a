// The two dialogs of the conversation actions: Transferir (a team, and optionally an agent of that team,
// from transfer_targets) and the confirmation step of Concluir. Both are keyboard-first (focus starts
// inside, Tab stays inside, Esc closes through the shell) and keep a refused command's error inline.
import { useEffect, useMemo, useRef, useState, type FormEvent, type Ref } from "react";
import { ArrowRightLeft, CircleAlert, CircleCheckBig } from "lucide-react";
import { toIpcError, type ConversationSummary } from "../../ipc";
import { t } from "../../i18n";
import { Modal, ModalHeader } from "../../components/Modal";
import { ErrorView, LoadingView, StateView } from "../../components/StateView";
import { useConvAction } from "../../lib/actions";
import { useTransferTargets } from "../../lib/queries";

/** A refused command's message; the mutation keeps it until the next attempt. */
function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="dialog-error" role="alert" data-testid="dialog-error">
      <CircleAlert size={14} strokeWidth={2.25} aria-hidden="true" />
      <span>{toIpcError(error).message}</span>
    </p>
  );
}

interface SelectFieldProps {
  ref?: Ref<HTMLSelectElement>;
  label: string;
  value: string;
  onChange(value: string): void;
  /** The empty-value first option. */
  placeholder: { label: string; disabled?: boolean };
  options: { id: string; name: string }[];
  autoFocus?: boolean;
  required?: boolean;
  disabled?: boolean;
}

function SelectField({ ref, label, value, onChange, placeholder, options, autoFocus, required, disabled }: SelectFieldProps) {
  return (
    <label className="form-field">
      <span className="form-label">{label}</span>
      <select
        ref={ref}
        className="select"
        data-autofocus={autoFocus || undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        required={required}
        disabled={disabled}
      >
        <option value="" disabled={placeholder.disabled}>
          {placeholder.label}
        </option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

const byName = new Intl.Collator("pt-BR", { sensitivity: "base" });

export function TransferDialog({ c, onClose }: { c: ConversationSummary; onClose(): void }) {
  const targets = useTransferTargets();
  const action = useConvAction("dialog");
  const [team, setTeam] = useState<string | null>(null);
  const [agent, setAgent] = useState("");
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
        .sort((a, b) => byName.compare(a.name, b.name))
        .map((a) => ({ id: a.userId, name: a.name })),
    [targets.data, teamId],
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!teamId || action.isPending) return;
    action.mutate({ kind: "transfer", sessionId: c.id, departmentId: teamId, userId: agent || null }, { onSuccess: onClose });
  }

  let body;
  if (targets.isPending) body = <LoadingView compact />;
  else if (targets.isError) body = <ErrorView compact title={t("transfer.loadError")} error={targets.error} onRetry={() => void targets.refetch()} />;
  else if (departments.length === 0) body = <StateView compact title={t("transfer.empty")} />;
  else
    body = (
      <>
        <p className="dialog-hint">{t("transfer.hint")}</p>
        <SelectField
          ref={teamRef}
          label={t("transfer.team")}
          value={teamId}
          onChange={(v) => {
            setTeam(v);
            setAgent("");
          }}
          placeholder={{ label: t("transfer.teamPlaceholder"), disabled: true }}
          options={departments}
          autoFocus
          required
        />
        <SelectField
          label={t("transfer.agent")}
          value={agent}
          onChange={setAgent}
          placeholder={{ label: t("transfer.anyAgent") }}
          options={agents}
          disabled={!teamId}
        />
      </>
    );

  return (
    <Modal label={t("transfer.title")} onClose={onClose} className="dialog">
      <form onSubmit={onSubmit} data-testid="transfer-dialog">
        <ModalHeader kind="dialog" title={t("transfer.title")} onClose={onClose} />
        <div className="dialog-body">
          {body}
          <InlineError error={action.error} />
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
  const name = c.contactName || c.contactPhone || t("inbox.unknownContact");

  function confirm() {
    if (!action.isPending) action.mutate({ kind: "conclude", sessionId: c.id }, { onSuccess: onClose });
  }

  return (
    <Modal label={t("conclude.title")} onClose={onClose} className="dialog dialog-sm">
      <div data-testid="conclude-dialog">
        <ModalHeader kind="dialog" title={t("conclude.title")} onClose={onClose} />
        <div className="dialog-body">
          <p className="dialog-text">{t("conclude.body", { name })}</p>
          <InlineError error={action.error} />
        </div>
        <footer className="dialog-footer">
          <button type="button" className="btn btn-secondary btn-sm" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="button" className="btn btn-primary btn-sm" data-autofocus onClick={confirm} disabled={action.isPending}>
            <CircleCheckBig size={15} aria-hidden="true" />
            {t("conclude.confirm")}
          </button>
        </footer>
      </div>
    </Modal>
  );
}
