// The window layout from UI.md: rail | inbox column | conversation | contact panel, with the status
// bar underneath, plus the overlays and the global shortcuts (Ctrl+K, ?, Esc, 1-4).
import { useEffect, useRef } from "react";
import { TABS } from "../../ipc";
import { hasModifier, isTypingTarget } from "../../lib/keyboard";
import { useIpcEvents } from "../../lib/queries";
import { InboxColumn } from "../inbox/InboxColumn";
import { ConversationView } from "../conversation/ConversationView";
import { ContactPanel } from "../contact/ContactPanel";
import { Rail } from "./Rail";
import { StatusBar } from "./StatusBar";
import { ComingSoon } from "./ComingSoon";
import { CommandPalette } from "./CommandPalette";
import { ShortcutSheet } from "./ShortcutSheet";
import { useUi } from "./uiState";

function useGlobalKeys() {
  const ui = useUi();
  const ref = useRef(ui);
  ref.current = ui;
  useEffect(() => {
    function onKeyDown(e: KeyboardEvent) {
      const s = ref.current;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        s.setOverlay(s.overlay === "palette" ? null : "palette");
        return;
      }
      if (e.key === "Escape") {
        if (s.overlay) {
          e.preventDefault();
          s.setOverlay(null);
        } else if (s.openId && !isTypingTarget(e.target)) {
          e.preventDefault();
          s.closeConversation();
          document.getElementById("inbox-list")?.focus();
        }
        return;
      }
      if (s.overlay || e.defaultPrevented || hasModifier(e) || isTypingTarget(e.target)) return;
      if (e.key === "?") {
        e.preventDefault();
        s.setOverlay("shortcuts");
        return;
      }
      if (s.section === "inbox" && /^[1-4]$/.test(e.key)) {
        e.preventDefault();
        s.setTab(TABS[Number(e.key) - 1]!);
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
}

export function Shell() {
  const ui = useUi();
  useIpcEvents();
  useGlobalKeys();

  return (
    <div className="app">
      <div className={`workspace${ui.section === "inbox" && ui.panelOpen ? " with-panel" : ""}`}>
        <Rail />
        {ui.section === "inbox" ? (
          <>
            <InboxColumn />
            <ConversationView />
            {ui.panelOpen && <ContactPanel />}
          </>
        ) : (
          <ComingSoon section={ui.section} />
        )}
      </div>
      <StatusBar />
      {ui.overlay === "palette" && <CommandPalette onClose={() => ui.setOverlay(null)} />}
      {ui.overlay === "shortcuts" && <ShortcutSheet onClose={() => ui.setOverlay(null)} />}
    </div>
  );
}
