// Agent actions over the outbox: the composer (Enter / Shift+Enter, note mode via N and the lock, errors
// keep the text, the 24 h window), the header actions (Assumir, Transferir dialog, Concluir with its
// confirmation, Reabrir), outbox states in the timeline with retry / discard, and the status bar's
// failed-actions popover (customer text in summaries stays text).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, screen, waitFor, within } from "@testing-library/react";
import * as ipc from "../ipc";
import { commandsForEntities } from "../lib/queries";
import { renderApp } from "./render";
import { detailFor, failedAction, message, messagesPage, SYNC_IDLE } from "./fixtures";

vi.mock("../ipc", () => import("./ipcMock"));
const mock = await import("./ipcMock");

beforeEach(() => mock.resetIpcMock());

async function openFirst(opts: { tab?: ipc.Tab } = {}) {
  const r = renderApp(opts);
  await r.user.click((await screen.findAllByTestId("conv-row"))[0]!);
  await screen.findByTestId("timeline");
  return r;
}

const composerBox = () => screen.getByTestId("composer");
const textbox = () => within(composerBox()).getByRole("textbox");
const header = () => screen.getByTestId("conv-title").closest("header")!;

describe("composer", () => {
  it("Enter sends (trimmed), clears and keeps focus; Shift+Enter breaks the line", async () => {
    const { user } = await openFirst();
    const box = textbox();
    await user.click(box);
    await user.type(box, "Oi, Maria!{Shift>}{Enter}{/Shift}Já verifiquei seu pedido.  ");
    expect(box).toHaveValue("Oi, Maria!\nJá verifiquei seu pedido.  ");
    expect(ipc.sendMessage).not.toHaveBeenCalled();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(ipc.sendMessage).toHaveBeenCalledWith("s-1", "Oi, Maria!\nJá verifiquei seu pedido."));
    expect(ipc.addNote).not.toHaveBeenCalled();
    await waitFor(() => expect(box).toHaveValue(""));
    expect(box).toHaveFocus();
  });

  it("does not send empty or whitespace-only text", async () => {
    const { user } = await openFirst();
    const send = within(composerBox()).getByRole("button", { name: "Enviar" });
    expect(send).toBeDisabled();
    await user.type(textbox(), "   ");
    expect(send).toBeDisabled();
    await user.keyboard("{Enter}");
    expect(ipc.sendMessage).not.toHaveBeenCalled();
  });

  it("N outside a text field toggles internal-note mode and the note goes to add_note; the lock toggles back", async () => {
    const { user } = await openFirst();
    expect(composerBox()).toHaveAttribute("data-mode", "message");
    await user.keyboard("n");
    expect(composerBox()).toHaveAttribute("data-mode", "note");
    const box = textbox();
    expect(box).toHaveAttribute("placeholder", "Nota interna");
    expect(box).toHaveFocus();
    const lock = within(composerBox()).getByRole("button", { name: "Nota interna (N)" });
    expect(lock).toHaveAttribute("aria-pressed", "true");
    // Typing "n" inside the field is just a letter.
    await user.type(box, "Cliente pediu nota fiscal");
    expect(composerBox()).toHaveAttribute("data-mode", "note");
    await user.click(within(composerBox()).getByRole("button", { name: "Salvar nota" }));
    await waitFor(() => expect(ipc.addNote).toHaveBeenCalledWith("s-1", "Cliente pediu nota fiscal"));
    expect(ipc.sendMessage).not.toHaveBeenCalled();
    await user.click(lock);
    expect(composerBox()).toHaveAttribute("data-mode", "message");
    expect(lock).toHaveAttribute("aria-pressed", "false");
  });

  it("shows the command's error inline and keeps the typed text", async () => {
    vi.mocked(ipc.sendMessage).mockRejectedValueOnce(new ipc.IpcError("database", "Não foi possível gravar no banco de dados local."));
    const { user } = await openFirst();
    await user.type(textbox(), "Seu pedido sai hoje{Enter}");
    expect(await screen.findByTestId("composer-error")).toHaveTextContent("Não foi possível gravar no banco de dados local.");
    expect(textbox()).toHaveValue("Seu pedido sai hoje");
    expect(textbox()).toHaveFocus();
    // Sending again works and clears both.
    await user.keyboard("{Enter}");
    await waitFor(() => expect(textbox()).toHaveValue(""));
    expect(screen.queryByTestId("composer-error")).toBeNull();
    expect(ipc.sendMessage).toHaveBeenCalledTimes(2);
  });

  it("with the 24 h window closed only notes can be sent", async () => {
    vi.mocked(ipc.conversationDetail).mockImplementation(async (id) => ({ ...detailFor(id), windowStatus: "EXPIRED" }));
    const { user } = await openFirst();
    await screen.findByText(/só é possível enviar um modelo de mensagem/);
    await user.type(textbox(), "Olá de novo{Enter}");
    expect(ipc.sendMessage).not.toHaveBeenCalled();
    expect(within(composerBox()).getByRole("button", { name: "Enviar" })).toBeDisabled();
    await user.click(within(composerBox()).getByRole("button", { name: "Nota interna (N)" }));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(ipc.addNote).toHaveBeenCalledWith("s-1", "Olá de novo"));
  });

  it("keeps quick messages, template and attachment visibly disabled for the next version", async () => {
    await openFirst();
    for (const name of ["Mensagens rápidas (/)", "Modelo de mensagem", "Anexar arquivo"]) {
      const b = within(composerBox()).getByRole("button", { name });
      expect(b).toBeDisabled();
      expect(b.getAttribute("title")).toMatch(/chega na próxima versão$/);
    }
  });
});

describe("header actions", () => {
  it("Assumir by click and by A on a waiting conversation", async () => {
    const { user } = await openFirst({ tab: "waiting" });
    const assume = await within(header()).findByRole("button", { name: "Assumir" });
    await user.click(assume);
    await waitFor(() => expect(ipc.assume).toHaveBeenCalledWith("s-9"));
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("a");
    await waitFor(() => expect(ipc.assume).toHaveBeenCalledTimes(2));
  });

  it("shows a refused action's message under the header", async () => {
    vi.mocked(ipc.assume).mockRejectedValueOnce(new ipc.IpcError("not_found", "Atendimento não encontrado."));
    const { user } = await openFirst({ tab: "waiting" });
    await user.click(await within(header()).findByRole("button", { name: "Assumir" }));
    expect(await screen.findByTestId("action-error")).toHaveTextContent("Atendimento não encontrado.");
    await user.click(within(screen.getByTestId("action-error")).getByRole("button", { name: "Dispensar" }));
    expect(screen.queryByTestId("action-error")).toBeNull();
  });

  it("Concluir asks for confirmation first (C opens it, Esc cancels, the button confirms)", async () => {
    const { user } = await openFirst();
    await user.keyboard("c");
    let dialog = await screen.findByRole("dialog", { name: "Concluir atendimento?" });
    expect(within(dialog).getByText(/A conversa com Maria Souza sai da fila/)).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(ipc.conclude).not.toHaveBeenCalled();

    await user.click(within(header()).getByRole("button", { name: "Concluir" }));
    dialog = await screen.findByRole("dialog", { name: "Concluir atendimento?" });
    const confirm = within(dialog).getByRole("button", { name: "Concluir" });
    expect(confirm).toHaveFocus();
    await user.click(confirm);
    await waitFor(() => expect(ipc.conclude).toHaveBeenCalledWith("s-1"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("Transferir: T opens the dialog, agents follow the team, and it sends team + agent", async () => {
    const { user } = await openFirst();
    await user.keyboard("t");
    const dialog = await screen.findByRole("dialog", { name: "Transferir atendimento" });
    const team = await within(dialog).findByRole("combobox", { name: "Equipe" });
    const agent = within(dialog).getByRole("combobox", { name: "Agente (opcional)" });
    // Starts on the conversation's team, with its agents.
    expect(team).toHaveValue("d-sup");
    await waitFor(() => expect(team).toHaveFocus());
    const names = () => within(agent).getAllByRole("option").map((o) => o.textContent);
    expect(names()).toEqual(["Qualquer agente da equipe", "Ana Lima", "Bruno Costa"]);
    await user.selectOptions(team, "d-ven");
    expect(names()).toEqual(["Qualquer agente da equipe", "Ana Lima", "Carla Mendes"]);
    await user.selectOptions(agent, "u-carla");
    await user.click(within(dialog).getByRole("button", { name: "Transferir" }));
    await waitFor(() => expect(ipc.transfer).toHaveBeenCalledWith("s-1", "d-ven", "u-carla"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("Transferir to a team only, and an error keeps the dialog open; Esc closes it", async () => {
    vi.mocked(ipc.transfer).mockRejectedValueOnce(new ipc.IpcError("invalid_input", "Equipe não encontrada."));
    const { user } = await openFirst();
    await user.click(within(header()).getByRole("button", { name: "Transferir" }));
    const dialog = await screen.findByRole("dialog", { name: "Transferir atendimento" });
    await user.selectOptions(await within(dialog).findByRole("combobox", { name: "Equipe" }), "d-fin");
    await user.click(within(dialog).getByRole("button", { name: "Transferir" }));
    expect(await within(dialog).findByTestId("dialog-error")).toHaveTextContent("Equipe não encontrada.");
    expect(ipc.transfer).toHaveBeenCalledWith("s-1", "d-fin", null);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("a completed conversation offers only Reabrir", async () => {
    vi.mocked(ipc.conversationDetail).mockImplementation(async (id) => ({ ...detailFor(id), status: "COMPLETED" }));
    const { user } = await openFirst();
    const reopen = await within(header()).findByRole("button", { name: "Reabrir" });
    for (const name of ["Assumir", "Transferir", "Concluir"]) expect(within(header()).queryByRole("button", { name })).toBeNull();
    await user.keyboard("c");
    expect(screen.queryByRole("dialog")).toBeNull();
    await user.click(reopen);
    await waitFor(() => expect(ipc.reopen).toHaveBeenCalledWith("s-1"));
  });

  it("the command palette lists the actions of the open conversation", async () => {
    const { user } = await openFirst();
    await user.keyboard("{Control>}k{/Control}");
    await user.type(await screen.findByRole("combobox"), "transferir");
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("dialog", { name: "Transferir atendimento" })).toBeInTheDocument();
  });
});

describe("outbox in the timeline", () => {
  it("shows queued, sending and checking states, and retry / discard for a failed message and note", async () => {
    vi.mocked(ipc.conversationMessages).mockResolvedValue(
      messagesPage([
        message({ id: "ob-1", direction: "out", text: "na fila", authorName: "Ana Lima", outbox: { state: "pending", error: null } }),
        message({ id: "ob-2", direction: "out", text: "enviando", authorName: "Ana Lima", outbox: { state: "sending", error: null } }),
        message({ id: "ob-3", direction: "out", text: "verificando", authorName: "Ana Lima", outbox: { state: "uncertain", error: null } }),
        message({ id: "ob-4", direction: "out", text: "falhou", authorName: "Ana Lima", outbox: { state: "failed", error: "O WhatsApp recusou a mensagem." } }),
        message({ id: "ob-5", kind: "note", direction: null, text: "nota falhou", authorName: "Ana Lima", outbox: { state: "failed", error: "Limite de notas." } }),
      ]),
    );
    const { user } = await openFirst();
    const tl = screen.getByTestId("timeline");
    const states = within(tl).getAllByTestId("outbox-state").map((s) => s.textContent);
    expect(states).toEqual(["Na fila", "Enviando…", "Verificando…", "Não enviada", "Nota não salva"]);
    // Queued messages show the outbox state instead of delivery ticks.
    expect(within(tl).queryAllByRole("img", { name: /Enviada|Entregue|Lida/ })).toHaveLength(0);

    const failures = within(tl).getAllByTestId("outbox-failure");
    expect(failures).toHaveLength(2);
    expect(failures[0]).toHaveTextContent("O WhatsApp recusou a mensagem.");
    await user.click(within(failures[0]!).getByRole("button", { name: "Tentar de novo" }));
    await waitFor(() => expect(ipc.outboxRetry).toHaveBeenCalledWith("ob-4"));
    expect(within(tl).getByTestId("msg-note")).toContainElement(failures[1]!);
    expect(failures[1]).toHaveTextContent("Limite de notas.");
    await user.click(within(failures[1]!).getByRole("button", { name: "Descartar" }));
    await waitFor(() => expect(ipc.outboxDiscard).toHaveBeenCalledWith("ob-5"));
  });

  it("shows a retry error next to the failed message", async () => {
    vi.mocked(ipc.conversationMessages).mockResolvedValue(
      messagesPage([message({ id: "ob-4", direction: "out", text: "falhou", outbox: { state: "failed", error: "Recusada." } })]),
    );
    vi.mocked(ipc.outboxRetry).mockRejectedValueOnce(new ipc.IpcError("not_found", "Esta ação não está mais na fila."));
    const { user } = await openFirst();
    await user.click(screen.getByRole("button", { name: "Tentar de novo" }));
    expect(await within(screen.getByTestId("outbox-failure")).findByText("Esta ação não está mais na fila.")).toBeInTheDocument();
  });
});

describe("failed-actions popover", () => {
  const evil = "<img src=x onerror=alert(1)>";

  it("lists failed actions in PT-BR words with summary (as text), error and time; retry and discard each", async () => {
    vi.mocked(ipc.syncStatus).mockResolvedValue({ ...SYNC_IDLE, failed: 2 });
    vi.mocked(ipc.outboxFailed).mockResolvedValue([
      failedAction({ id: "ob-9", action: "send_text", summary: `Oi ${evil} tudo bem?`, error: "O WhatsApp recusou a mensagem." }),
      failedAction({ id: "ob-7", action: "contact_tags", summary: 'Etiqueta "Atacado" para João', error: "Etiqueta não encontrada." }),
    ]);
    const { user } = renderApp();
    const button = await screen.findByTestId("outbox-failed");
    expect(button.tagName).toBe("BUTTON");
    expect(button).toHaveTextContent("2 ações falharam");
    await user.click(button);
    const panel = await screen.findByRole("dialog", { name: "Ações com falha" });
    expect(button).toHaveAttribute("aria-expanded", "true");
    const rows = await within(panel).findAllByTestId("outbox-item");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Enviar mensagem");
    expect(rows[0]).toHaveTextContent(`Oi ${evil} tudo bem?`);
    expect(rows[0]).toHaveTextContent("O WhatsApp recusou a mensagem.");
    expect(rows[0]).toHaveTextContent("há 5 min");
    expect(panel.querySelector("img")).toBeNull();
    expect(rows[1]).toHaveTextContent("Etiquetas do contato");

    await user.click(within(rows[0]!).getByRole("button", { name: "Tentar de novo" }));
    await waitFor(() => expect(ipc.outboxRetry).toHaveBeenCalledWith("ob-9"));
    await user.click(within(rows[1]!).getByRole("button", { name: "Descartar" }));
    await waitFor(() => expect(ipc.outboxDiscard).toHaveBeenCalledWith("ob-7"));

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog", { name: "Ações com falha" })).toBeNull();
    expect(button).toHaveFocus();
  });

  it("shows an empty state when nothing failed any more, and refreshes on an outbox change notice", async () => {
    vi.mocked(ipc.syncStatus).mockResolvedValue({ ...SYNC_IDLE, failed: 1 });
    vi.mocked(ipc.outboxFailed).mockResolvedValue([failedAction()]);
    const { user } = renderApp();
    await user.click(await screen.findByTestId("outbox-failed"));
    const panel = await screen.findByRole("dialog", { name: "Ações com falha" });
    expect(await within(panel).findAllByTestId("outbox-item")).toHaveLength(1);
    vi.mocked(ipc.outboxFailed).mockResolvedValue([]);
    act(() => mock.emitChanged({ entities: ["outbox"] }));
    expect(await within(panel).findByText("Nenhuma ação com falha")).toBeInTheDocument();
  });

  it("maps the outbox change notice to the reads it touches", () => {
    expect([...commandsForEntities(["outbox"])].sort()).toEqual([
      "conversation_detail",
      "conversation_messages",
      "inbox_counts",
      "inbox_page",
      "outbox_failed",
    ]);
  });
});
