// The always-visible status bar: sync state dot and label (Online, Sincronizando… with progress,
// Offline, Erro, rate-limited with the seconds left), time since the last sync, queued and failed
// agent actions (the failed count opens the failed-actions popover), a sync-now button, the account,
// and the "Demonstração" badge in demo mode.
import { useCallback, useRef } from "react";
import { RefreshCw } from "lucide-react";
import * as ipc from "../../ipc";
import type { SyncStatus } from "../../ipc";
import { hasKey, t, tn } from "../../i18n";
import { formatAgo } from "../../i18n/format";
import { useAppInfo, useSyncStatus } from "../../lib/queries";
import { useNow } from "../../lib/useNow";
import { OutboxPanel } from "./OutboxPanel";
import { useUi } from "./uiState";

export function syncLabel(s: SyncStatus | undefined): { tone: string; label: string; detail: string | null } {
  if (!s) return { tone: "unknown", label: t("common.loading"), detail: null };
  switch (s.state) {
    case "online":
      return { tone: "ok", label: t("sync.online"), detail: null };
    case "syncing": {
      let detail: string | null = null;
      if (s.progress) {
        const key = `sync.phase.${s.phase ?? ""}`;
        const phase = hasKey(key) ? t(key) : (s.phase ?? "");
        detail = (
          s.progress.total != null
            ? t("sync.progress", { phase, done: s.progress.done, total: s.progress.total })
            : t("sync.progressNoTotal", { phase, done: s.progress.done })
        ).trim();
      }
      return { tone: "busy", label: t("sync.syncing"), detail };
    }
    case "offline":
      return { tone: "off", label: t("sync.offline"), detail: s.pending > 0 ? t("sync.offlineQueued") : null };
    case "rateLimited":
      return {
        tone: "warn",
        label: t("sync.rateLimited"),
        detail: s.resumeInSecs != null ? t("sync.rateLimitedIn", { secs: s.resumeInSecs }) : null,
      };
    case "error":
      return { tone: "error", label: t("sync.error"), detail: s.error?.message ?? null };
  }
}

export function StatusBar() {
  const ui = useUi();
  const sync = useSyncStatus();
  const failedRef = useRef<HTMLButtonElement>(null);
  const panelOpen = ui.overlay === "outbox";
  const { setOverlay } = ui;
  const closePanel = useCallback(() => setOverlay(null), [setOverlay]);
  const info = useAppInfo();
  const now = useNow(1000);
  const s = sync.data;
  const { tone, label, detail } = syncLabel(s);
  const last = s?.lastSyncAt ? t("sync.last", { ago: formatAgo(s.lastSyncAt, now) }) : s ? t("sync.never") : null;

  return (
    <>
      <footer className="status-bar" data-testid="status-bar">
        <div className="status-left">
          <span className={`sync-dot sync-${tone}`} aria-hidden="true" />
          <span role="status" aria-label={`${t("sync.label")}: ${label}${detail ? ` ${detail}` : ""}`} className="status-live">
            <span className="status-strong" data-testid="sync-label">
              {label}
            </span>
            {detail && <span className="status-detail">{detail}</span>}
          </span>
          {last && (
            <>
              <span className="status-sep" aria-hidden="true">·</span>
              <span>{last}</span>
            </>
          )}
          {s && s.pending > 0 && (
            <>
              <span className="status-sep" aria-hidden="true">·</span>
              <span data-testid="outbox-pending">{tn("sync.pending", s.pending)}</span>
            </>
          )}
          {s && (s.failed > 0 || panelOpen) && (
            <>
              <span className="status-sep" aria-hidden="true">·</span>
              <button
                ref={failedRef}
                type="button"
                className={`status-failed status-btn${panelOpen ? " is-open" : ""}`}
                data-testid="outbox-failed"
                aria-haspopup="dialog"
                aria-expanded={panelOpen}
                onClick={() => setOverlay(panelOpen ? null : "outbox")}
              >
                {s.failed > 0 ? tn("sync.failed", s.failed) : t("outbox.panel.title")}
              </button>
            </>
          )}
          <button
            type="button"
            className="icon-btn icon-btn-xs"
            onClick={() => void ipc.syncNow().catch(() => undefined)}
            disabled={s?.state === "syncing"}
            aria-label={t("sync.now")}
            title={t("sync.now")}
          >
            <RefreshCw size={12} className={s?.state === "syncing" ? "spin" : undefined} />
          </button>
        </div>
        <div className="status-right">
          {info.data && (
            <>
              <span>{t("statusbar.account", { name: info.data.account.name })}</span>
              {info.data.account.demo && (
                <span className="demo-badge" title={t("statusbar.demoHint")}>
                  {t("statusbar.demo")}
                </span>
              )}
              <span className="status-sep" aria-hidden="true">·</span>
              <span className="muted">{t("statusbar.version", { version: info.data.version })}</span>
            </>
          )}
        </div>
      </footer>
      {panelOpen && <OutboxPanel onClose={closePanel} anchorRef={failedRef} />}
    </>
  );
}
