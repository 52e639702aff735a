// The reply area: Enter sends, Shift+Enter breaks the line; internal-note mode (N outside text fields, or
// the lock button) tints it warm and saves a note instead. Once the 24 h window has closed only notes
// go out. Errors show inline and keep the typed text; a draft survives switching conversations. Quick
// messages, templates and attachments are shown but arrive in the next version.
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import { CircleAlert, FileText, Lock, Paperclip, SendHorizontal, Zap } from "lucide-react";
import { toIpcError, type WindowStatus } from "../../ipc";
import { t } from "../../i18n";
import { useSendMutation } from "../../lib/actions";
import { hasModifier, isTypingTarget } from "../../lib/keyboard";
import { useUi } from "../shell/uiState";

const MAX_HEIGHT_PX = 200;

/** Unsent text per conversation, kept while the window is open. */
const drafts = new Map<string, string>();

interface Props {
  sessionId: string;
  windowStatus: WindowStatus | null;
}

export function Composer({ sessionId, windowStatus }: Props) {
  const ui = useUi();
  const [text, setTextRaw] = useState(() => drafts.get(sessionId) ?? "");
  const [note, setNote] = useState(false);
  const send = useSendMutation();
  // The refused send's message, kept by the mutation until the next attempt or the next keystroke.
  const error = send.error ? toIpcError(send.error).message : null;
  const inputRef = useRef<HTMLTextAreaElement>(null);

  const expired = windowStatus === "EXPIRED";
  const blocked = expired && !note;
  const empty = text.trim().length === 0;
  const canSend = !empty && !blocked && !send.isPending;

  function setText(v: string) {
    setTextRaw(v);
    if (v) drafts.set(sessionId, v);
    else drafts.delete(sessionId);
  }

  function toggleNote() {
    setNote((n) => !n);
    inputRef.current?.focus();
  }

  // N toggles note mode from anywhere outside a text field (and not under an overlay).
  const keyState = useRef({ overlay: ui.overlay, section: ui.section });
  keyState.current = { overlay: ui.overlay, section: ui.section };
  useEffect(() => {
    function onKeyDown(e: globalThis.KeyboardEvent) {
      const s = keyState.current;
      if (s.overlay || s.section !== "inbox" || e.repeat) return;
      if (e.defaultPrevented || hasModifier(e) || isTypingTarget(e.target)) return;
      if (e.key !== "n" && e.key !== "N") return;
      e.preventDefault();
      setNote((n) => !n);
      inputRef.current?.focus();
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  // Grow with the text up to a limit, then scroll.
  useLayoutEffect(() => {
    const el = inputRef.current;
    if (!el) return;
    el.style.height = "auto";
    if (el.scrollHeight > 0) el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  async function submit() {
    if (!canSend) return;
    try {
      await send.mutateAsync({ sessionId, text: text.trim(), note });
      setText("");
    } catch {
      // Shown from send.error; the typed text stays.
    } finally {
      inputRef.current?.focus();
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  const soonTools = [
    { icon: Zap, label: t("composer.quick") },
    { icon: FileText, label: t("composer.template") },
    { icon: Paperclip, label: t("composer.attach") },
  ];
  const placeholder = note ? t("composer.placeholderNote") : expired ? t("composer.placeholderExpired") : t("composer.placeholder");

  return (
    <div className="composer" aria-label={t("composer.label")} role="group" data-testid="composer" data-mode={note ? "note" : "message"}>
      {expired && <p className="composer-warn">{t("composer.windowExpired")}</p>}
      {error && (
        <p className="composer-error" role="alert" data-testid="composer-error">
          <CircleAlert size={14} strokeWidth={2.25} aria-hidden="true" />
          <span>{error}</span>
        </p>
      )}
      <div className={`composer-box${note ? " is-note" : ""}`}>
        <textarea
          ref={inputRef}
          className="composer-input"
          rows={2}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (send.error) send.reset();
          }}
          onKeyDown={onKeyDown}
          placeholder={placeholder}
          aria-label={note ? t("composer.placeholderNote") : t("composer.label")}
          aria-invalid={error ? true : undefined}
        />
        <div className="composer-bar">
          {soonTools.map(({ icon: Icon, label }) => (
            <button
              key={label}
              type="button"
              className="icon-btn icon-btn-sm"
              disabled
              aria-label={label}
              title={t("composer.soon", { tool: label })}
            >
              <Icon size={16} />
            </button>
          ))}
          <button
            type="button"
            className={`icon-btn icon-btn-sm composer-note-btn${note ? " is-on" : ""}`}
            onClick={toggleNote}
            aria-pressed={note}
            aria-label={t("composer.note")}
            title={t("composer.note")}
            aria-keyshortcuts="N"
          >
            <Lock size={16} />
          </button>
          {note && <span className="composer-note-label">{t("composer.noteOn")}</span>}
          <span className="composer-spacer" />
          <button
            type="button"
            className={`btn btn-sm ${note ? "btn-note" : "btn-primary"}`}
            disabled={!canSend}
            onClick={() => void submit()}
          >
            <SendHorizontal size={15} aria-hidden="true" />
            {note ? t("composer.saveNote") : t("composer.send")}
          </button>
        </div>
      </div>
    </div>
  );
}
