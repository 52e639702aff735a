// Minimal accessible dialog layer used by the command palette and the shortcut sheet: backdrop click
// closes, focus moves in on open, Tab stays inside, and focus returns where it was on close. Esc is
// handled by the shell's global key handler ("closes the topmost layer").
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";
import { X } from "lucide-react";
import { t } from "../i18n";

interface Props {
  label: string;
  onClose(): void;
  children: ReactNode;
  className?: string;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Modal({ label, onClose, children, className }: Props) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>("[data-autofocus]") ?? el?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? el)?.focus();
    return () => {
      if (previous && document.contains(previous)) previous.focus();
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key !== "Tab") return;
    const nodes = ref.current ? [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)] : [];
    if (nodes.length === 0) return;
    const first = nodes[0]!;
    const last = nodes[nodes.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={ref}
        className={`modal${className ? ` ${className}` : ""}`}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  );
}

/** Title row with the close button; `kind` picks the `<kind>-header` / `<kind>-title` classes. */
export function ModalHeader({ kind, title, onClose, focusClose }: { kind: "dialog" | "sheet"; title: string; onClose(): void; focusClose?: boolean }) {
  return (
    <header className={`${kind}-header`}>
      <h2 className={`${kind}-title`}>{title}</h2>
      <button
        type="button"
        className="icon-btn"
        onClick={onClose}
        aria-label={t("common.close")}
        title={t("common.close")}
        data-autofocus={focusClose || undefined}
      >
        <X size={16} />
      </button>
    </header>
  );
}
