// The always-visible status bar: sync state dot and label (Online, Sincronizando… with what the first
// pass has stored per entity, Offline, Erro, rate-limited with the seconds left), time since the last
// sync, queued and failed agent actions (the failed count opens the failed-actions popover), a
// sync-now button (it spins during any pass), the account, and the "Demonstração" badge in demo mode.
// A routine background pass after the first one shows as Online: its counters would only be noise.
import { Fragment, useCallback, useRef } from "react";
import { RefreshCw } from "lucide-react";
import * as ipc from "../../ipc";
import type { SyncStatus } from "../../ipc";
import { t, tn } from "../../i18n";
import { formatAgo } from "../../i18n/format";
import { labelOf } from "../../i18n/labels";
import { useAppInfo, useSyncStatus } from "../../lib/queries";
import { useNow } from "../../lib/useNow";
import { OutboxPanel } from "./OutboxPanel";
import { useUi } from "./uiState";

/** One entity's counter in the first-sync detail ("contatos 312/800"); `current` is the one in `phase`. */
export interface SyncPart {
  entity: string;
  text: string;
  current: boolean;
}

export interface SyncLabel {
  tone: string;
  label: string;
  /** Plain-text detail after the label (the parts joined with " · " while the first pass runs). */
  detail: string | null;
  /** Per entity counters of the first pass; empty otherwise. */
  parts: SyncPart[];
}

/** Counters of the first pass, in the order the shell reports them. Reference data (a few small
 * lists) is named only while it is the phase being pulled; an entity in `phase` that has stored
 * nothing yet is still named, without a count. */
function firstSyncParts(s: SyncStatus): SyncPart[] {
  const parts: SyncPart[] = s.entities
    .filter((e) => e.entity !== "reference" || e.entity === s.phase)
    .map((e) => {
      const phase = labelOf("sync.phase", e.entity).label;
      const text =
        e.total != null
          ? t("sync.progress", { phase, done: e.stored, total: e.total })
          : t("sync.progressNoTotal", { phase, done: e.stored });
      return { entity: e.entity, text, current: e.entity === s.phase };
    });
  if (s.phase && !parts.some((p) => p.current)) {
    parts.push({ entity: s.phase, text: labelOf("sync.phase", s.phase).label, current: true });
  }
  return parts;
}

export function syncLabel(s: SyncStatus | undefined): SyncLabel {
  const plain = (tone: string, label: string, detail: string | null = null): SyncLabel => ({ tone, label, detail, parts: [] });
  if (!s) return plain("unknown", t("common.loading"));
  switch (s.state) {
    case "online":
      return plain("ok", t("sync.online"));
    case "syncing": {
      if (!s.firstSync) return plain("ok", t("sync.online"));
      const parts = firstSyncParts(s);
      const detail = parts.length ? parts.map((p) => p.text).join(" · ") : null;
      return { tone: "busy", label: t("sync.syncing"), detail, parts };
    }
    case "offline":
      return plain("off", t("sync.offline"), s.pending > 0 ? t("sync.offlineQueued") : null);
    case "rateLimited":
      return plain("warn", t("sync.rateLimited"), s.resumeInSecs != null ? t("sync.rateLimitedIn", { secs: s.resumeInSecs }) : null);
    case "error":
      return plain("error", t("sync.error"), s.error?.message ?? null);
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
  const { tone, label, detail, parts } = syncLabel(s);
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
            {parts.length > 0 ? (
              <span className="status-detail" data-testid="sync-detail">
                {parts.map((p, i) => (
                  <Fragment key={`${p.entity}-${i}`}>
                    {i > 0 && (
                      <span className="status-sep" aria-hidden="true">
                        {" · "}
                      </span>
                    )}
                    <span className={`sync-part${p.current ? " is-current" : ""}`}>{p.text}</span>
                  </Fragment>
                ))}
              </span>
            ) : (
              detail && <span className="status-detail">{detail}</span>
            )}
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
