// The "?" sheet listing the keyboard shortcuts (live ones, and the ones arriving in the next version).
import { t, type MessageKey } from "../../i18n";
import { Modal, ModalHeader } from "../../components/Modal";

type Row = { keys: string[][]; label: MessageKey };

const GROUPS: { title: MessageKey; rows: Row[]; soon?: boolean }[] = [
  {
    title: "shortcuts.group.list",
    rows: [
      { keys: [["↑"], ["↓"], ["J"], ["K"]], label: "shortcuts.move" },
      { keys: [["Enter"]], label: "shortcuts.open" },
      { keys: [["1"], ["2"], ["3"], ["4"]], label: "shortcuts.tabs" },
    ],
  },
  {
    title: "shortcuts.group.general",
    rows: [
      { keys: [["Ctrl", "K"]], label: "shortcuts.palette" },
      { keys: [["?"]], label: "shortcuts.sheet" },
      { keys: [["Esc"]], label: "shortcuts.close" },
    ],
  },
  {
    title: "shortcuts.group.conversation",
    rows: [
      { keys: [["A"]], label: "shortcuts.assume" },
      { keys: [["T"]], label: "shortcuts.transfer" },
      { keys: [["C"]], label: "shortcuts.conclude" },
      { keys: [["N"]], label: "shortcuts.note" },
      { keys: [["Enter"]], label: "shortcuts.send" },
      { keys: [["Shift", "Enter"]], label: "shortcuts.newline" },
    ],
  },
  {
    title: "shortcuts.group.soon",
    soon: true,
    rows: [
      { keys: [["/"]], label: "shortcuts.quick" },
      { keys: [["Ctrl", "F"]], label: "shortcuts.search" },
    ],
  },
];

export function ShortcutSheet({ onClose }: { onClose(): void }) {
  return (
    <Modal label={t("shortcuts.title")} onClose={onClose} className="sheet">
      <ModalHeader kind="sheet" title={t("shortcuts.title")} onClose={onClose} focusClose />
      <div className="sheet-body">
        {GROUPS.map((g) => (
          <section key={g.title} className={`sheet-group${g.soon ? " is-soon" : ""}`}>
            <h3 className="sheet-group-title">{t(g.title)}</h3>
            <dl className="sheet-rows">
              {g.rows.map((r) => (
                <div key={r.label} className="sheet-row">
                  <dt className="sheet-keys">
                    {r.keys.map((combo, i) => (
                      <span key={i} className="key-combo">
                        {combo.map((k) => (
                          <kbd key={k}>{k}</kbd>
                        ))}
                      </span>
                    ))}
                  </dt>
                  <dd>{t(r.label)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Modal>
  );
}
