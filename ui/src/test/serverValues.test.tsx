// Values the server sends that the app may not know (a new session status, message type, channel or
// delivery state) show a neutral label with the raw value in the tooltip, never a dictionary key; and
// list rows whose last message has no text show its kind (Foto, Áudio...) instead of a blank preview.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/react";
import * as ipc from "../ipc";
import { setLocale } from "../i18n";
import { labelOf, rawTitle } from "../i18n/labels";
import { renderApp } from "./render";
import { detailFor, message, messagesPage, summary } from "./fixtures";

vi.mock("../ipc", () => import("./ipcMock"));
const mock = await import("./ipcMock");

beforeEach(() => mock.resetIpcMock());
afterEach(() => setLocale("pt-BR"));

/** No dictionary key (or raw unknown value) in the visible text. */
function expectNoKeys(el: HTMLElement, raw: string[]) {
  expect(el.textContent).not.toMatch(/\b(status|window|channel|msg\.type|preview|unknown)\.[\w.]+/);
  for (const r of raw) expect(el.textContent).not.toContain(r);
}

describe("labelOf", () => {
  it("gives the dictionary's text for a known value and a neutral label plus the raw value otherwise", () => {
    expect(labelOf("status", "PENDING")).toEqual({ label: "Aguardando", raw: "PENDING", known: true });
    const unknown = labelOf("status", "WAITING_NEW");
    expect(unknown).toEqual({ label: "Outra situação", raw: "WAITING_NEW", known: false });
    expect(rawTitle(unknown)).toBe("Valor recebido: WAITING_NEW");
    expect(rawTitle(labelOf("status", "PENDING"))).toBeUndefined();
    expect(rawTitle(labelOf("status", null))).toBeUndefined();
    expect(labelOf("status", "__proto__").known).toBe(false);
    expect(labelOf("msg.status", "QUEUED", "PENDING")).toMatchObject({ label: "Enviando", raw: "QUEUED", known: true });
    expect(labelOf("channel", "TIKTOK_DM", null)).toMatchObject({ label: "Outro canal", known: false });
    setLocale("en");
    expect(labelOf("status", "ON_HOLD").label).toBe("Other status");
    expect(labelOf("msg.type", "POLL").label).toBe("Unknown type");
  });
});

describe("unknown session status, window and channel", () => {
  it("show neutral labels with the raw value in the tooltip in the list row, header chip and contact panel", async () => {
    const row = summary({ id: "s-x", status: "WAITING_NEW", channelType: "TIKTOK_DM", channelName: null, windowStatus: "PAUSED" });
    vi.mocked(ipc.inboxPage).mockResolvedValue({ total: 1, items: [row] });
    vi.mocked(ipc.conversationDetail).mockResolvedValue({ ...detailFor("s-1"), ...row });
    renderApp({ tab: "all", autoOpenFirst: true });

    const listRow = (await screen.findAllByTestId("conv-row"))[0]!;
    const rowStatus = within(listRow).getByTestId("conv-row-status");
    expect(rowStatus).toHaveTextContent("Outra situação");
    expect(rowStatus).toHaveAttribute("title", "Valor recebido: WAITING_NEW");
    const rowChannel = within(listRow).getByRole("img", { name: "Outro canal" });
    expect(rowChannel.closest(".channel-icon")).toHaveAttribute("title", "Outro canal · Valor recebido: TIKTOK_DM");

    const header = (await screen.findByTestId("conv-title")).closest("header")!;
    const headerChip = within(header).getByTestId("status-chip");
    expect(headerChip).toHaveTextContent("Outra situação");
    expect(headerChip).toHaveAttribute("title", "Valor recebido: WAITING_NEW");
    expect(within(header).getByText("Outro canal")).toBeInTheDocument();

    const panel = screen.getByTestId("contact-panel");
    await within(panel).findByTestId("contact-name");
    const panelChip = within(panel).getByTestId("status-chip");
    expect(panelChip).toHaveTextContent("Outra situação");
    expect(panelChip).toHaveAttribute("title", "Valor recebido: WAITING_NEW");
    expect(within(panel).getByText("Situação desconhecida")).toHaveAttribute("title", "Valor recebido: PAUSED");
    expect(within(panel).getByText("Outro canal")).toBeInTheDocument();

    expectNoKeys(document.body, ["WAITING_NEW", "TIKTOK_DM", "PAUSED"]);
  });

  it("keeps known values labelled as before, without a tooltip", async () => {
    renderApp({ tab: "all" });
    const rows = await screen.findAllByTestId("conv-row");
    const status = within(rows[0]!).getByTestId("conv-row-status");
    expect(status).toHaveTextContent("Em atendimento");
    expect(status).not.toHaveAttribute("title");
    expect(within(rows[0]!).getByRole("img", { name: "WhatsApp" }).closest(".channel-icon")).toHaveAttribute("title", "WhatsApp");
  });
});

describe("unknown message type and delivery state", () => {
  it("names the type readably with the raw value in the tooltip; templates and CONTACTS are known", async () => {
    vi.mocked(ipc.conversationMessages).mockResolvedValue(
      messagesPage([
        message({ type: "POLL", text: null }),
        message({ direction: "out", type: "TEMPLATE", text: "Seu pedido saiu para entrega.", status: "PLAYED" }),
        message({ type: "CONTACTS", text: null, contact: { name: "Recepção", phoneNumber: "+55 (11) 3251-0000" } }),
      ]),
    );
    renderApp({ autoOpenFirst: true });
    const tl = await screen.findByTestId("timeline");
    const hint = await within(tl).findByText("Mensagem do tipo POLL");
    expect(hint).toHaveAttribute("title", "Valor recebido: POLL");
    expect(within(tl).getByText("Modelo de mensagem")).not.toHaveAttribute("title");
    expect(within(tl).getByText("Seu pedido saiu para entrega.")).toBeInTheDocument();
    expect(within(within(tl).getByTestId("contact-card")).getByText("Recepção")).toBeInTheDocument();
    const ticks = within(tl).getByRole("img", { name: "Situação de envio desconhecida" });
    expect(ticks).toHaveAttribute("title", "Situação de envio desconhecida · Valor recebido: PLAYED");
    expectNoKeys(tl, []);
  });
});

describe("text-less last message preview", () => {
  it("shows the kind with an icon for a photo, an audio and an unknown type; Sem mensagens only without any", async () => {
    vi.mocked(ipc.inboxPage).mockResolvedValue({
      total: 7,
      items: [
        summary({ id: "p-1", contactName: "Foto Sem Texto", lastMessageText: null, lastMessageType: "IMAGE" }),
        summary({ id: "p-2", contactName: "Áudio Vazio", lastMessageText: "", lastMessageType: "AUDIO" }),
        summary({ id: "p-3", contactName: "Tipo Novo", lastMessageText: null, lastMessageType: "POLL" }),
        summary({ id: "p-4", contactName: "Nada Ainda", lastMessageText: null, lastMessageType: null, lastInteractionAt: null }),
        summary({ id: "p-5", contactName: "Foto Com Legenda", lastMessageText: "Olha essa", lastMessageType: "IMAGE" }),
        summary({ id: "p-6", contactName: "Cartão", lastMessageText: null, lastMessageType: "CONTACTS" }),
        // Activity, but its messages are not stored yet (first sync): a neutral "Mensagem".
        summary({ id: "p-7", contactName: "Ainda Chegando", lastMessageText: null, lastMessageType: null }),
      ],
    });
    renderApp();
    const rows = await screen.findAllByTestId("conv-row");
    const kind = (i: number) => within(rows[i]!).getByTestId("conv-row-kind");

    expect(kind(0)).toHaveTextContent("Foto");
    expect(kind(0).querySelector("svg.lucide-image")).not.toBeNull();
    expect(kind(0)).not.toHaveAttribute("title");

    expect(kind(1)).toHaveTextContent("Áudio");
    expect(kind(1).querySelector("svg.lucide-mic")).not.toBeNull();

    expect(kind(2)).toHaveTextContent("Mensagem");
    expect(kind(2)).toHaveAttribute("title", "Valor recebido: POLL");
    expect(kind(2).querySelector("svg")).not.toBeNull();

    expect(within(rows[3]!).getByText("Sem mensagens")).toBeInTheDocument();
    expect(within(rows[3]!).queryByTestId("conv-row-kind")).toBeNull();

    const caption = within(rows[4]!).getByText("Olha essa");
    expect(caption.querySelector("svg.lucide-image")).not.toBeNull();
    expect(caption).toHaveTextContent("Foto: Olha essa"); // the kind is read out before the caption
    expect(kind(5)).toHaveTextContent("Contato");
    expect(kind(6)).toHaveTextContent("Mensagem");
    expect(kind(6)).not.toHaveAttribute("title");

    expect(screen.getAllByText("Sem mensagens")).toHaveLength(1);
    expectNoKeys(screen.getByTestId("conv-list"), ["POLL"]);
  });
});
