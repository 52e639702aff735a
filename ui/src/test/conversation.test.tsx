// Conversation behaviour: every message type renders sensibly, untrusted text stays text, media only
// from http(s), day separators, loading older pages at the top, and the error / empty states.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import * as ipc from "../ipc";
import { renderApp } from "./render";
import { message, messagesPage } from "./fixtures";

vi.mock("../ipc", () => import("./ipcMock"));
const mock = await import("./ipcMock");

beforeEach(() => mock.resetIpcMock());

async function openFirst() {
  const r = renderApp();
  await r.user.click((await screen.findAllByTestId("conv-row"))[0]!);
  await screen.findByTestId("timeline");
  return r;
}

describe("conversation", () => {
  it("renders header facts and the actions that apply (no Assumir when it is already mine)", async () => {
    await openFirst();
    const header = screen.getByTestId("conv-title").closest("header")!;
    expect(within(header).getByTestId("conv-title")).toHaveTextContent("Maria Souza");
    expect(within(header).getByText("+55 (11) 98765-4321")).toBeInTheDocument();
    expect(within(header).getByText("Em atendimento")).toBeInTheDocument();
    await waitFor(() => expect(within(header).queryByRole("button", { name: "Assumir" })).toBeNull());
    for (const name of ["Transferir", "Concluir"]) {
      expect(within(header).getByRole("button", { name })).toBeEnabled();
    }
    expect(within(header).queryByRole("button", { name: "Reabrir" })).toBeNull();
    expect(screen.getByRole("textbox", { name: "Responder" })).toBeEnabled();
    expect(screen.getByPlaceholderText(/^Escreva uma mensagem/)).toBeInTheDocument();
  });

  it("renders every message type: note, image, audio, video, document, sticker, location, contact, list, transition, unknown", async () => {
    vi.mocked(ipc.conversationMessages).mockResolvedValue(
      messagesPage([
        message({ type: "TRANSITION", direction: null, text: "Ana Lima assumiu o atendimento" }),
        message({ kind: "note", direction: null, authorName: "Ana Lima", text: "Cliente VIP, priorizar." }),
        message({ type: "IMAGE", text: "A etiqueta", file: { name: "etiqueta.jpg", mimeType: "image/jpeg", url: "https://cdn.example/etiqueta.jpg", size: 1000 } }),
        message({ type: "AUDIO", file: { name: "voz.ogg", mimeType: "audio/ogg", url: "https://cdn.example/voz.ogg", size: 1000 } }),
        message({ type: "VIDEO", text: null, file: { name: "caixa.mp4", mimeType: "video/mp4", url: "https://cdn.example/caixa.mp4", size: 1000 } }),
        message({ direction: "out", status: "DELIVERED", type: "DOCUMENT", text: null, file: { name: "nota-fiscal.pdf", mimeType: "application/pdf", url: "https://cdn.example/nf.pdf", size: 186_880 } }),
        message({ type: "STICKER", text: null, file: { name: null, mimeType: "image/webp", url: "https://cdn.example/s.webp", size: 10 } }),
        message({ type: "LOCATION", text: null, location: { latitude: -23.561414, longitude: -46.655881, name: "Escritório", address: "Av. Paulista, 1578" } }),
        message({ type: "CONTACT", text: null, contact: { name: "Recepção Paulista", phoneNumber: "+55 (11) 3251-0000" } }),
        message({ direction: "out", type: "LIST", text: "Escolha o pedido", status: "READ" }),
        message({ type: "REACTION", text: "👍" }),
      ]),
    );
    await openFirst();
    const tl = screen.getByTestId("timeline");

    expect(within(tl).getByText("Ana Lima assumiu o atendimento").closest("[data-testid=msg-system]")).toBeInTheDocument();

    const note = within(tl).getByTestId("msg-note");
    expect(within(note).getByText("Nota interna")).toBeInTheDocument();
    expect(within(note).getByText(/Ana Lima/)).toBeInTheDocument();
    expect(within(note).getByText("Cliente VIP, priorizar.")).toBeInTheDocument();
    expect(note.querySelector("svg.lucide-lock")).not.toBeNull();

    const img = within(tl).getByRole("img", { name: "etiqueta.jpg" });
    expect(img).toHaveAttribute("src", "https://cdn.example/etiqueta.jpg");
    expect(within(tl).getByText("A etiqueta")).toBeInTheDocument();

    expect(tl.querySelector("audio")).toHaveAttribute("src", "https://cdn.example/voz.ogg");
    expect(tl.querySelector("video")).toHaveAttribute("src", "https://cdn.example/caixa.mp4");

    const doc = within(tl).getByTestId("doc-card");
    expect(within(doc).getByText("nota-fiscal.pdf")).toBeInTheDocument();
    expect(within(doc).getByText("PDF · 183 KB")).toBeInTheDocument();
    expect(within(tl).getAllByRole("img", { name: "Entregue" }).length).toBeGreaterThan(0);
    expect(within(tl).getAllByRole("img", { name: "Lida" }).length).toBeGreaterThan(0);

    expect(within(tl).getByRole("img", { name: "Figurinha" })).toHaveAttribute("src", "https://cdn.example/s.webp");

    const loc = within(tl).getByTestId("location-card");
    expect(within(loc).getByText("Escritório")).toBeInTheDocument();
    expect(within(loc).getByText("Av. Paulista, 1578")).toBeInTheDocument();
    expect(within(loc).getByText("-23,56141, -46,65588")).toBeInTheDocument();

    const contact = within(tl).getByTestId("contact-card");
    expect(within(contact).getByText("Recepção Paulista")).toBeInTheDocument();
    expect(within(contact).getByText("+55 (11) 3251-0000")).toBeInTheDocument();

    expect(within(tl).getByText("Lista de opções")).toBeInTheDocument();
    expect(within(tl).getByText("Escolha o pedido")).toBeInTheDocument();
    expect(within(tl).getByText("Mensagem do tipo REACTION")).toBeInTheDocument();
    expect(within(tl).getByText("👍")).toBeInTheDocument();
  });

  it("renders HTML and javascript: links in customer text as literal text", async () => {
    const evil = '<img src=x onerror=alert(1)> clique javascript:alert(1) ou <a href="javascript:alert(2)">aqui</a> e veja https://loja.example/p?id=1.';
    vi.mocked(ipc.conversationMessages).mockResolvedValue(messagesPage([message({ text: evil })]));
    await openFirst();
    const tl = screen.getByTestId("timeline");
    expect(tl.querySelector("img")).toBeNull();
    expect(tl.querySelector('a[href^="javascript"]')).toBeNull();
    expect(tl.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(tl.textContent).toContain('<a href="javascript:alert(2)">aqui</a>');
    const links = within(tl).getAllByRole("link");
    expect(links).toHaveLength(1);
    expect(links[0]).toHaveAttribute("href", "https://loja.example/p?id=1");
    expect(links[0]).toHaveAttribute("rel", "noopener noreferrer");
    expect(links[0]).toHaveAttribute("target", "_blank");
  });

  it("never uses a non-http(s) file url as a media source", async () => {
    vi.mocked(ipc.conversationMessages).mockResolvedValue(
      messagesPage([
        message({ type: "IMAGE", text: "foto", file: { name: "a.png", mimeType: "image/png", url: "javascript:alert(1)", size: 1 } }),
        message({ type: "AUDIO", file: { name: "a.ogg", mimeType: "audio/ogg", url: "data:audio/ogg;base64,AAAA", size: 1 } }),
      ]),
    );
    await openFirst();
    const tl = screen.getByTestId("timeline");
    expect(tl.querySelector("img, audio")).toBeNull();
    expect(within(tl).getAllByText("Arquivo indisponível")).toHaveLength(2);
  });

  it("groups messages under day separators", async () => {
    const today = new Date();
    today.setHours(10, 0, 0, 0);
    const yesterday = new Date(today.getTime() - 86_400_000);
    const older = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 9, 10, 0);
    vi.mocked(ipc.conversationMessages).mockResolvedValue(
      messagesPage([
        message({ createdAt: older.toISOString(), text: "antigo" }),
        message({ createdAt: yesterday.toISOString(), text: "ontem" }),
        message({ createdAt: today.toISOString(), text: "hoje" }),
      ]),
    );
    await openFirst();
    const seps = screen.getAllByRole("separator").map((s) => s.textContent);
    const longLabel = new Intl.DateTimeFormat("pt-BR", older.getFullYear() === today.getFullYear() ? { day: "numeric", month: "long" } : { day: "numeric", month: "long", year: "numeric" }).format(older);
    expect(seps).toEqual([longLabel, "Ontem", "Hoje"]);
    expect(longLabel).toMatch(/^\d{1,2} de \p{L}+/u);
  });

  it("loads the older page when scrolled to the top", async () => {
    vi.mocked(ipc.conversationMessages).mockImplementation(async (_id, before) =>
      before === null
        ? messagesPage([message({ seq: 500, id: "new-1", text: "mensagem recente" })], 500)
        : messagesPage([message({ seq: 400, id: "old-1", text: "mensagem antiga" })], null),
    );
    await openFirst();
    expect(screen.queryByText("mensagem antiga")).not.toBeInTheDocument();
    const tl = screen.getByTestId("timeline");
    tl.scrollTop = 0;
    fireEvent.scroll(tl);
    await waitFor(() => expect(ipc.conversationMessages).toHaveBeenCalledWith("s-1", 500, 50));
    expect(await screen.findByText("mensagem antiga")).toBeInTheDocument();
    expect(screen.getByText("Início da conversa")).toBeInTheDocument();
    const texts = [...tl.querySelectorAll(".msg-text")].map((n) => n.textContent);
    expect(texts).toEqual(["mensagem antiga", "mensagem recente"]);
  });

  it("shows empty and error states for the timeline", async () => {
    vi.mocked(ipc.conversationMessages).mockResolvedValueOnce(messagesPage([]));
    const { user } = renderApp();
    const rows = await screen.findAllByTestId("conv-row");
    await user.click(rows[0]!);
    expect(await screen.findByText("Nenhuma mensagem nesta conversa ainda.")).toBeInTheDocument();

    vi.mocked(ipc.conversationMessages).mockRejectedValueOnce(new ipc.IpcError("database", "Falha ao ler mensagens."));
    await user.click(rows[1]!);
    expect(await screen.findByText("Não foi possível carregar as mensagens")).toBeInTheDocument();
    expect(screen.getByText("Falha ao ler mensagens.")).toBeInTheDocument();
  });
});
