// The designed empty / loading / error block used by every list and panel, so each state looks the
// same everywhere: an icon, a title, a sentence, and an optional action.
import type { ReactNode } from "react";
import type { LucideIcon } from "lucide-react";
import { LoaderCircle, TriangleAlert } from "lucide-react";
import { t } from "../i18n";
import type { IpcError } from "../ipc";

interface Props {
  icon?: LucideIcon;
  title: string;
  body?: string | undefined;
  tone?: "empty" | "error" | "loading";
  action?: ReactNode;
  compact?: boolean;
}

export function StateView({ icon: Icon, title, body, tone = "empty", action, compact }: Props) {
  const role = tone === "error" ? "alert" : "status";
  return (
    <div className={`state-view state-${tone}${compact ? " state-compact" : ""}`} role={role}>
      {Icon && (
        <span className="state-icon" aria-hidden="true">
          <Icon size={compact ? 20 : 24} strokeWidth={1.75} />
        </span>
      )}
      <p className="state-title">{title}</p>
      {body && <p className="state-body">{body}</p>}
      {action && <div className="state-action">{action}</div>}
    </div>
  );
}

export function LoadingView({ label, compact }: { label?: string; compact?: boolean }) {
  return <StateView icon={LoaderCircle} tone="loading" title={label ?? t("common.loading")} compact={compact ?? false} />;
}

export function ErrorView({
  title,
  error,
  onRetry,
  compact,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
  compact?: boolean;
}) {
  const e = error as Partial<IpcError> | null;
  const body = e?.message ? e.message : undefined;
  return (
    <StateView
      icon={TriangleAlert}
      tone="error"
      title={title}
      body={body}
      compact={compact ?? false}
      action={
        onRetry ? (
          <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>
            {t("common.retry")}
          </button>
        ) : undefined
      }
    />
  );
}
