// Inbox behaviour: tab counts, rows, opening a conversation, tab switching, empty/error states,
// virtualization over a huge list, and keyboard navigation (J/K/↑/↓/Enter).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import * as ipc from "../ipc";
import { renderApp } from "./render";
import { summary } from "./fixtures";

vi.mock("../ipc", () => import("./ipcMock"));
const mock = await import("./ipcMock");

beforeEach(() => mock.resetIpcMock());

describe("inbox", () => {
  it("shows each tab with its count from inbox_counts, formatted for pt-BR", async () => {
    renderApp();
    expect(await screen.findByTestId("tab-count-mine")).toHaveTextContent("3");
    expect(screen.getByTestId("tab-count-waiting")).toHaveTextContent("1.234");
    expect(screen.getByTestId("tab-count-completed")).toHaveTextContent("0");
    expect(screen.getByTestId("tab-count-all")).toHaveTextContent("45,7 mil");
    expect(screen.getByRole("tab", { name: /Meus/ })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tab", { name: /Aguardando/ })).toHaveAttribute("aria-selected", "false");
  });

  it("renders rows with name, preview, team/agent and unread badge", async () => {
    renderApp();
    const rows = await screen.findAllByTestId("conv-row");
    expect(rows).toHaveLength(3);
    const maria = rows[0]!;
    expect(within(maria).getByText("Maria Souza")).toBeInTheDocument();
    expect(within(maria).getByText("Meu pedido ainda não chegou")).toBeInTheDocument();
    expect(within(maria).getByText("Suporte · Ana Lima")).toBeInTheDocument();
    expect(within(maria).getByLabelText("3 mensagens não lidas")).toHaveTextContent("3");
    expect(within(maria).getByText("há 3 min")).toBeInTheDocument();
    expect(within(rows[2]!).getByRole("img", { name: "Instagram" })).toBeInTheDocument();
    expect(ipc.inboxPage).toHaveBeenCalledWith("mine", 0, 100);
  });

  it("opens the clicked conversation in the middle column", async () => {
    const { user } = renderApp();
    expect(await screen.findByText("Nenhum atendimento aberto")).toBeInTheDocument();
    await user.click((await screen.findAllByTestId("conv-row"))[1]!);
    expect(await screen.findByTestId("conv-title")).toHaveTextContent("João Almeida");
    await waitFor(() => expect(ipc.conversationDetail).toHaveBeenCalledWith("s-2"));
    expect(ipc.conversationMessages).toHaveBeenCalledWith("s-2", null, 50);
    expect(await screen.findByText("Bom dia, Maria!")).toBeInTheDocument();
  });

  it("opens the first conversation by itself when the window starts", async () => {
    renderApp({ autoOpenFirst: true });
    expect(await screen.findByTestId("conv-title")).toHaveTextContent("Maria Souza");
  });

  it("switches tabs and loads that tab's window", async () => {
    const { user } = renderApp();
    await screen.findAllByTestId("conv-row");
    await user.click(screen.getByRole("tab", { name: /Aguardando/ }));
    expect(await screen.findByText("Lucas Oliveira")).toBeInTheDocument();
    expect(ipc.inboxPage).toHaveBeenCalledWith("waiting", 0, 100);
    expect(screen.queryByText("Maria Souza")).not.toBeInTheDocument();
  });

  it("shows the designed empty state for a tab without conversations", async () => {
    renderApp({ tab: "completed" });
    expect(await screen.findByText("Nenhum atendimento concluído")).toBeInTheDocument();
    expect(screen.getByText(/concluídos das suas equipes/)).toBeInTheDocument();
  });

  it("shows the error state with the IPC message and retries", async () => {
    vi.mocked(ipc.inboxPage).mockRejectedValueOnce(new ipc.IpcError("database", "Banco de dados indisponível."));
    const { user } = renderApp();
    expect(await screen.findByText("Não foi possível carregar a lista")).toBeInTheDocument();
    expect(screen.getByText("Banco de dados indisponível.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Tentar novamente" }));
    expect(await screen.findByText("Maria Souza")).toBeInTheDocument();
  });

  it("virtualizes a 100k-row tab: few rows in the DOM, only the first window fetched", async () => {
    vi.mocked(ipc.inboxPage).mockImplementation(async (_tab, offset, limit) => ({
      total: 100_000,
      items: Array.from({ length: limit }, (_, i) => summary({ id: `s-${offset + i}`, contactName: `Cliente ${offset + i}` })),
    }));
    renderApp({ tab: "all" });
    expect(await screen.findByText("Cliente 0")).toBeInTheDocument();
    const rendered = screen.getAllByTestId("conv-row").length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(40);
    expect(vi.mocked(ipc.inboxPage).mock.calls.every(([, offset]) => offset === 0)).toBe(true);
    const inner = screen.getByTestId("conv-list").firstElementChild as HTMLElement;
    expect(inner.style.height).toBe(`${100_000 * 76}px`);
  });

  it("moves with J/K and arrows and opens with Enter", async () => {
    const { user } = renderApp();
    await screen.findAllByTestId("conv-row");
    const selected = () => screen.getAllByTestId("conv-row").findIndex((r) => r.getAttribute("aria-selected") === "true");
    expect(selected()).toBe(0);
    await user.keyboard("j");
    expect(selected()).toBe(1);
    await user.keyboard("j");
    await user.keyboard("j");
    expect(selected()).toBe(2);
    await user.keyboard("k");
    expect(selected()).toBe(1);
    await user.keyboard("{ArrowDown}");
    expect(selected()).toBe(2);
    await user.keyboard("{ArrowUp}");
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("conv-title")).toHaveTextContent("João Almeida");
    expect(screen.getAllByTestId("conv-row")[1]).toHaveAttribute("aria-current", "true");
  });

  it("ignores list shortcuts while typing in an input", async () => {
    const { user } = renderApp();
    await screen.findAllByTestId("conv-row");
    await user.keyboard("{Control>}k{/Control}");
    const input = await screen.findByRole("combobox");
    await user.type(input, "jjk");
    expect(input).toHaveValue("jjk");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    const selected = screen.getAllByTestId("conv-row").findIndex((r) => r.getAttribute("aria-selected") === "true");
    expect(selected).toBe(0);
  });
});
