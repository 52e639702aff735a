// Shell behaviour: status bar (sync states, demo badge), events from the shell (sync pushes, change
// notices invalidating queries), the contact panel, the shortcut sheet, the command palette and the
// "em breve" sections.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, screen, waitFor, within } from "@testing-library/react";
import * as ipc from "../ipc";
import { renderApp } from "./render";
import { SYNC_IDLE } from "./fixtures";
import { syncLabel } from "../features/shell/StatusBar";

vi.mock("../ipc", () => import("./ipcMock"));
const mock = await import("./ipcMock");

beforeEach(() => mock.resetIpcMock());

describe("status bar", () => {
  it("shows sync progress, last sync, account and the demo badge", async () => {
    vi.mocked(ipc.syncStatus).mockResolvedValue({
      state: "syncing",
      phase: "messages",
      firstSync: true,
      entities: [{ entity: "messages", stored: 1200, total: 40000 }],
      lastSyncAt: new Date(Date.now() - 3000).toISOString(),
      error: null,
      pending: 0,
      failed: 0,
      resumeInSecs: null,
    });
    renderApp();
    const bar = screen.getByTestId("status-bar");
    expect(await within(bar).findByText("Sincronizando…")).toBeInTheDocument();
    expect(within(bar).getByText("mensagens 1.200/40.000")).toBeInTheDocument();
    expect(within(bar).getByText(/^sincronizado há [34] s$/)).toBeInTheDocument();
    expect(await within(bar).findByText("Conta: Loja Centro")).toBeInTheDocument();
    expect(within(bar).getByText("Demonstração")).toBeInTheDocument();
  });

  it("follows atende://sync events (online, offline, rate-limited, error) and the outbox counts", async () => {
    renderApp();
    const label = await screen.findByTestId("sync-label");
    await waitFor(() => expect(label).toHaveTextContent("Online"));
    act(() => mock.emitSync({ ...SYNC_IDLE, state: "offline", pending: 3, failed: 1 }));
    await waitFor(() => expect(screen.getByTestId("sync-label")).toHaveTextContent("Offline"));
    expect(screen.getByTestId("outbox-pending")).toHaveTextContent("3 ações na fila");
    expect(screen.getByTestId("outbox-failed")).toHaveTextContent("1 ação falhou");
    expect(screen.getByText(/serão enviadas quando a conexão voltar/)).toBeInTheDocument();
    act(() => mock.emitSync({ ...SYNC_IDLE, state: "rateLimited", resumeInSecs: 42 }));
    await waitFor(() => expect(screen.getByTestId("sync-label")).toHaveTextContent("Pausado pelo limite da API"));
    expect(screen.getByText("Limite da API: retomando em 42s")).toBeInTheDocument();
    expect(screen.queryByTestId("outbox-pending")).toBeNull();
    act(() => mock.emitSync({ ...SYNC_IDLE, state: "error", error: { code: "unauthorized", message: "Token inválido." } }));
    await waitFor(() => expect(screen.getByTestId("sync-label")).toHaveTextContent("Erro"));
    expect(screen.getByText("Token inválido.")).toBeInTheDocument();
  });
});

describe("first sync progress", () => {
  const FIRST_PASS: ipc.SyncStatus = {
    ...SYNC_IDLE,
    state: "syncing",
    phase: "messages",
    firstSync: true,
    entities: [
      { entity: "reference", stored: 24, total: null },
      { entity: "sessions", stored: 1500, total: 1500 },
      { entity: "contacts", stored: 312, total: 800 },
      { entity: "messages", stored: 12480, total: null },
    ],
  };

  it("syncLabel counts each entity of the first pass, with the total only when the server gives it", () => {
    const l = syncLabel(FIRST_PASS);
    expect(l).toMatchObject({ tone: "busy", label: "Sincronizando…", detail: "conversas 1.500/1.500 · contatos 312/800 · mensagens 12.480" });
    expect(l.parts.filter((p) => p.current).map((p) => p.entity)).toEqual(["messages"]);
    expect(syncLabel({ ...FIRST_PASS, phase: "reference", entities: [{ entity: "reference", stored: 8, total: null }] }).detail).toBe("dados de referência 8");
    // The phase just started and has nothing stored yet: it is named without a count.
    expect(syncLabel({ ...FIRST_PASS, phase: "notes" }).detail).toBe("conversas 1.500/1.500 · contatos 312/800 · mensagens 12.480 · notas internas");
    expect(syncLabel({ ...FIRST_PASS, phase: null, entities: [] })).toMatchObject({ label: "Sincronizando…", detail: null, parts: [] });
  });

  it("syncLabel shows a routine background poll as Online, without counters", () => {
    expect(syncLabel({ ...FIRST_PASS, firstSync: false })).toEqual({ tone: "ok", label: "Online", detail: null, parts: [] });
  });

  it("the status bar shows the counters during the first pass, emphasises the current entity, and drops them when it ends", async () => {
    vi.mocked(ipc.syncStatus).mockResolvedValue(FIRST_PASS);
    renderApp();
    const bar = screen.getByTestId("status-bar");
    expect(await within(bar).findByText("Sincronizando…")).toBeInTheDocument();
    expect(within(bar).getByText("conversas 1.500/1.500")).not.toHaveClass("is-current");
    expect(within(bar).getByText("mensagens 12.480")).toHaveClass("is-current");
    expect(within(bar).queryByText(/referência/)).toBeNull();
    expect(within(bar).getByRole("status")).toHaveAccessibleName(
      "Estado da sincronização: Sincronizando… conversas 1.500/1.500 · contatos 312/800 · mensagens 12.480",
    );

    act(() => mock.emitSync({ ...SYNC_IDLE, lastSyncAt: new Date().toISOString() }));
    await waitFor(() => expect(screen.getByTestId("sync-label")).toHaveTextContent("Online"));
    expect(screen.queryByTestId("sync-detail")).toBeNull();
  });

  it("a routine poll keeps the bar on Online while the sync-now icon spins", async () => {
    vi.mocked(ipc.syncStatus).mockResolvedValue({ ...FIRST_PASS, firstSync: false, lastSyncAt: new Date().toISOString() });
    renderApp();
    const bar = screen.getByTestId("status-bar");
    const button = await within(bar).findByRole("button", { name: "Sincronizar agora" });
    await waitFor(() => expect(button).toBeDisabled());
    expect(button.querySelector("svg")).toHaveClass("spin");
    expect(screen.getByTestId("sync-label")).toHaveTextContent("Online");
    expect(within(bar).queryByText("Sincronizando…")).toBeNull();
    expect(within(bar).queryByText(/mensagens/)).toBeNull();
  });
});

describe("change events", () => {
  it("refetches the queries that read the changed entities", async () => {
    renderApp();
    expect(await screen.findByTestId("tab-count-mine")).toHaveTextContent("3");
    vi.mocked(ipc.inboxCounts).mockResolvedValue({ mine: 7, waiting: 0, completed: 0, all: 7 });
    act(() => mock.emitChanged({ entities: ["session"] }));
    await waitFor(() => expect(screen.getByTestId("tab-count-mine")).toHaveTextContent("7"));
    const countsCalls = vi.mocked(ipc.inboxCounts).mock.calls.length;
    act(() => mock.emitChanged({ entities: ["note"] }));
    await new Promise((r) => setTimeout(r, 20));
    expect(vi.mocked(ipc.inboxCounts).mock.calls.length).toBe(countsCalls);
  });
});

describe("contact panel", () => {
  it("shows the contact, tags and conversation facts, and collapses", async () => {
    const { user } = renderApp({ autoOpenFirst: true });
    const panel = await screen.findByTestId("contact-panel");
    expect(await within(panel).findByTestId("contact-name")).toHaveTextContent("Maria Souza");
    expect(within(panel).getByText("maria.souza@email.com.br")).toBeInTheDocument();
    expect(within(panel).getByText("2026112200153")).toBeInTheDocument();
    expect(within(panel).getByText("Suporte")).toBeInTheDocument();
    const tags = within(panel).getAllByTestId("tag-chip");
    expect(tags.map((t) => t.textContent)).toEqual(["Cliente VIP", "Pedido atrasado"]);
    expect(tags[0]!.style.getPropertyValue("--tag-color")).toBe("#7c3aed");
    expect(tags[1]!.getAttribute("style")).toBeNull(); // an unsafe colour never reaches the style
    await user.click(within(panel).getByRole("button", { name: "Ocultar painel do contato" }));
    expect(screen.queryByTestId("contact-panel")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Mostrar painel do contato" }));
    expect(await screen.findByTestId("contact-panel")).toBeInTheDocument();
  });
});

describe("overlays and navigation", () => {
  it("? opens the shortcut sheet and Esc closes it", async () => {
    const { user } = renderApp();
    await screen.findAllByTestId("conv-row");
    await user.keyboard("?");
    const dialog = await screen.findByRole("dialog", { name: "Atalhos de teclado" });
    expect(within(dialog).getByText("Paleta de comandos")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("Ctrl+K palette finds a loaded conversation by name (accents optional) and opens it", async () => {
    const { user } = renderApp();
    await screen.findAllByTestId("conv-row");
    await user.keyboard("{Control>}k{/Control}");
    const input = await screen.findByRole("combobox");
    await user.type(input, "joao");
    const options = screen.getAllByRole("option").filter((o) => o.closest(".palette-list"));
    expect(options[0]).toHaveTextContent("João Almeida");
    await user.keyboard("{Enter}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(await screen.findByTestId("conv-title")).toHaveTextContent("João Almeida");
  });

  it("palette switches tabs and number keys switch tabs", async () => {
    const { user } = renderApp();
    await screen.findAllByTestId("conv-row");
    await user.keyboard("{Control>}k{/Control}");
    await user.type(await screen.findByRole("combobox"), "aguardando");
    await user.keyboard("{Enter}");
    expect(screen.getByRole("tab", { name: /Aguardando/ })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("4");
    expect(screen.getByRole("tab", { name: /Todos/ })).toHaveAttribute("aria-selected", "true");
  });

  it("Esc closes the open conversation when no overlay is open", async () => {
    const { user } = renderApp({ autoOpenFirst: true });
    await screen.findByTestId("conv-title");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("conv-title")).not.toBeInTheDocument();
    expect(screen.getByText("Nenhum atendimento aberto")).toBeInTheDocument();
  });

  it("sections other than Atendimentos show a friendly em-breve state", async () => {
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Supervisão" }));
    expect(screen.getByTestId("coming-soon")).toHaveTextContent("Supervisão chega em breve");
    expect(screen.getByRole("button", { name: "Supervisão" })).toHaveAttribute("aria-current", "page");
    await user.click(screen.getByRole("button", { name: "Ir para Atendimentos" }));
    expect(await screen.findAllByTestId("conv-row")).toHaveLength(3);
  });
});
