// The in-browser demo backend (dev/mockData.ts) answers every outbox command the way the shell does:
// optimistic change at once, simulated delivery, a failed example to retry or discard, and IpcError-
// shaped rejections for bad input.
import { describe, expect, it } from "vitest";
import { waitFor } from "@testing-library/react";
import type { ConversationDetail, InboxPage, MessagesPage, OutboxFailed, SyncStatus } from "../ipc";
import { createMockBackend } from "../dev/mockData";

describe("mock backend outbox", () => {
  it("starts with failed examples that can be discarded (undoing the message) or retried", async () => {
    const b = createMockBackend();
    const sync = (await b.invoke("sync_status")) as SyncStatus;
    expect(sync.failed).toBe(2);
    const failed = (await b.invoke("outbox_failed", {})) as OutboxFailed[];
    expect(failed.map((f) => f.action)).toEqual(["send_text", "contact_tags"]);
    const sessionId = failed[0]!.sessionId!;
    const page = (await b.invoke("conversation_messages", { sessionId, before: null, limit: 50 })) as MessagesPage;
    expect(page.items.at(-1)).toMatchObject({ id: failed[0]!.id, outbox: { state: "failed" } });

    await b.invoke("outbox_discard", { id: failed[0]!.id });
    const after = (await b.invoke("conversation_messages", { sessionId, before: null, limit: 50 })) as MessagesPage;
    expect(after.items.some((m) => m.id === failed[0]!.id)).toBe(false);
    expect((await b.invoke("outbox_failed", {})) as OutboxFailed[]).toHaveLength(1);
    await expect(b.invoke("outbox_discard", { id: failed[0]!.id })).rejects.toMatchObject({ code: "not_found" });

    await b.invoke("outbox_retry", { id: failed[1]!.id });
    expect((await b.invoke("outbox_failed", {})) as OutboxFailed[]).toHaveLength(0);
  });

  it("shows a sent message at once as queued, then delivers it; 'falha' makes it fail", async () => {
    const b = createMockBackend();
    const mine = (await b.invoke("inbox_page", { tab: "mine", offset: 0, limit: 1 })) as InboxPage;
    const sessionId = mine.items[0]!.id;
    const { id } = (await b.invoke("send_message", { sessionId, text: "Já está a caminho!" })) as { id: string };
    const read = async () => ((await b.invoke("conversation_messages", { sessionId, before: null, limit: 50 })) as MessagesPage).items;
    expect((await read()).at(-1)).toMatchObject({ id, text: "Já está a caminho!", direction: "out", outbox: { state: "pending" } });
    expect(((await b.invoke("conversation_detail", { sessionId })) as ConversationDetail).lastMessageText).toBe("Já está a caminho!");
    await waitFor(async () => expect((await read()).find((m) => m.id === id)?.outbox).toBeNull(), { timeout: 4000 });

    const bad = (await b.invoke("add_note", { sessionId, text: "teste de falha" })) as { id: string };
    await waitFor(async () => expect((await read()).find((m) => m.id === bad.id)?.outbox?.state).toBe("failed"), { timeout: 4000 });
    await expect(b.invoke("send_message", { sessionId, text: "   " })).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("assume, transfer, conclude and reopen change the conversation optimistically", async () => {
    const b = createMockBackend();
    const waiting = (await b.invoke("inbox_page", { tab: "waiting", offset: 0, limit: 1 })) as InboxPage;
    const sessionId = waiting.items[0]!.id;
    const detail = async () => (await b.invoke("conversation_detail", { sessionId })) as ConversationDetail;

    await b.invoke("assume", { sessionId });
    expect(await detail()).toMatchObject({ status: "IN_PROGRESS", agentName: "Ana Lima" });
    const mine = (await b.invoke("inbox_page", { tab: "mine", offset: 0, limit: 500 })) as InboxPage;
    expect(mine.items.some((r) => r.id === sessionId)).toBe(true);

    const targets = (await b.invoke("transfer_targets", {})) as { departments: { id: string; name: string }[] };
    const fin = targets.departments.find((d) => d.name === "Financeiro")!;
    await b.invoke("transfer", { sessionId, departmentId: fin.id, userId: "u-carla" });
    expect(await detail()).toMatchObject({ departmentName: "Financeiro", agentName: "Carla Mendes", status: "IN_PROGRESS" });
    await expect(b.invoke("transfer", { sessionId, departmentId: fin.id, userId: "u-bruno" })).rejects.toMatchObject({ code: "invalid_input" });

    await b.invoke("conclude", { sessionId });
    expect((await detail()).status).toBe("COMPLETED");
    await b.invoke("reopen", { sessionId });
    expect(await detail()).toMatchObject({ status: "IN_PROGRESS", agentName: "Ana Lima", endAt: null });
  });
});
