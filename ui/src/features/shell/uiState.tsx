// Window-wide UI state shared by the shell, the inbox, the conversation and the overlays: current
// section and tab, the list cursor, the open conversation, the contact panel and the open overlay.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import type { ConversationSummary, Tab } from "../../ipc";

export type Section = "inbox" | "contacts" | "supervision" | "channels" | "settings";
/** The topmost layer (Esc closes it): palette, shortcut sheet, transfer dialog, conclude confirmation,
 * or the failed-actions popover of the status bar. */
export type Overlay = "palette" | "shortcuts" | "transfer" | "conclude" | "outbox" | null;

export interface UiState {
  section: Section;
  tab: Tab;
  activeIndex: number;
  openId: string | null;
  openSummary: ConversationSummary | null;
  panelOpen: boolean;
  overlay: Overlay;
  setSection(s: Section): void;
  setTab(t: Tab): void;
  setActiveIndex(i: number): void;
  openConversation(summary: ConversationSummary, index?: number): void;
  closeConversation(): void;
  togglePanel(): void;
  setOverlay(o: Overlay): void;
  /** Opens this row if nothing has been opened yet in this session (first load of the window). */
  openInitial(summary: ConversationSummary): void;
}

const Ctx = createContext<UiState | null>(null);

const PANEL_KEY = "atende.contactPanel";

function readPanelPref(): boolean {
  try {
    return window.localStorage.getItem(PANEL_KEY) !== "closed";
  } catch {
    return true;
  }
}

interface ProviderProps {
  children: ReactNode;
  initialTab?: Tab;
  /** Open the first conversation of the list when the window starts (off in some tests). */
  autoOpenFirst?: boolean;
}

export function UiStateProvider({ children, initialTab = "mine", autoOpenFirst = true }: ProviderProps) {
  const [section, setSection] = useState<Section>("inbox");
  const [tab, setTabRaw] = useState<Tab>(initialTab);
  const [activeIndex, setActiveIndex] = useState(0);
  const [openSummary, setOpenSummary] = useState<ConversationSummary | null>(null);
  const [panelOpen, setPanelOpen] = useState<boolean>(readPanelPref);
  const [overlay, setOverlay] = useState<Overlay>(null);

  const setTab = useCallback((t: Tab) => {
    setTabRaw(t);
    setActiveIndex(0);
  }, []);

  const initialDone = useRef(!autoOpenFirst);

  const openConversation = useCallback((summary: ConversationSummary, index?: number) => {
    initialDone.current = true;
    setOpenSummary(summary);
    if (index !== undefined) setActiveIndex(index);
  }, []);

  const openInitial = useCallback((summary: ConversationSummary) => {
    if (initialDone.current) return;
    initialDone.current = true;
    setOpenSummary(summary);
  }, []);

  const closeConversation = useCallback(() => setOpenSummary(null), []);

  const togglePanel = useCallback(() => {
    setPanelOpen((open) => {
      try {
        window.localStorage.setItem(PANEL_KEY, open ? "closed" : "open");
      } catch {
        /* storage unavailable: keep it in memory only */
      }
      return !open;
    });
  }, []);

  const value = useMemo<UiState>(
    () => ({
      section,
      tab,
      activeIndex,
      openId: openSummary?.id ?? null,
      openSummary,
      panelOpen,
      overlay,
      setSection,
      setTab,
      setActiveIndex,
      openConversation,
      closeConversation,
      togglePanel,
      setOverlay,
      openInitial,
    }),
    [section, tab, activeIndex, openSummary, panelOpen, overlay, setTab, openConversation, closeConversation, togglePanel, openInitial],
  );

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useUi(): UiState {
  const v = useContext(Ctx);
  if (!v) throw new Error("useUi must be used inside UiStateProvider");
  return v;
}
