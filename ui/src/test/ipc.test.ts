// ipc.ts against a mocked Tauri core: command names and camelCase argument shapes follow the
// contract, and failures reject with IpcError.
import { describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => undefined) }));

(window as unknown as { __TAURI_INTERNALS__: object }).__TAURI_INTERNALS__ = {};
const ipc = await import("../ipc");

describe("ipc.ts over Tauri", () => {
  it("calls the contract's commands with its argument names", async () => {
    invoke.mockResolvedValue({ total: 0, items: [] });
    await ipc.inboxPage("waiting", 200, 100);
    expect(invoke).toHaveBeenLastCalledWith("inbox_page", { tab: "waiting", offset: 200, limit: 100 });
    await ipc.conversationDetail("abc");
    expect(invoke).toHaveBeenLastCalledWith("conversation_detail", { sessionId: "abc" });
    await ipc.conversationMessages("abc", null, 50);
    expect(invoke).toHaveBeenLastCalledWith("conversation_messages", { sessionId: "abc", before: null, limit: 50 });
    await ipc.inboxCounts();
    expect(invoke).toHaveBeenLastCalledWith("inbox_counts", undefined);
  });

  it("calls the outbox commands with camelCase arguments", async () => {
    invoke.mockResolvedValue({ id: "ob-1" });
    await expect(ipc.sendMessage("s", "oi")).resolves.toEqual({ id: "ob-1" });
    expect(invoke).toHaveBeenLastCalledWith("send_message", { sessionId: "s", text: "oi" });
    await ipc.addNote("s", "nota");
    expect(invoke).toHaveBeenLastCalledWith("add_note", { sessionId: "s", text: "nota" });
    await ipc.assume("s");
    expect(invoke).toHaveBeenLastCalledWith("assume", { sessionId: "s" });
    await ipc.conclude("s");
    expect(invoke).toHaveBeenLastCalledWith("conclude", { sessionId: "s" });
    await ipc.reopen("s");
    expect(invoke).toHaveBeenLastCalledWith("reopen", { sessionId: "s" });
    await ipc.transfer("s", "d-1", null);
    expect(invoke).toHaveBeenLastCalledWith("transfer", { sessionId: "s", departmentId: "d-1", userId: null });
    await ipc.transferTargets();
    expect(invoke).toHaveBeenLastCalledWith("transfer_targets", {});
    await ipc.outboxFailed();
    expect(invoke).toHaveBeenLastCalledWith("outbox_failed", {});
    await ipc.outboxRetry("ob-1");
    expect(invoke).toHaveBeenLastCalledWith("outbox_retry", { id: "ob-1" });
    await ipc.outboxDiscard("ob-1");
    expect(invoke).toHaveBeenLastCalledWith("outbox_discard", { id: "ob-1" });
  });

  it("rejects with IpcError carrying the shell's code and message", async () => {
    invoke.mockRejectedValue({ code: "schema_too_new", message: "Banco de dados de uma versão mais nova." });
    await expect(ipc.appInfo()).rejects.toMatchObject({ name: "IpcError", code: "schema_too_new", message: "Banco de dados de uma versão mais nova." });
    invoke.mockRejectedValue("command app_info not found");
    await expect(ipc.appInfo()).rejects.toMatchObject({ code: "unknown", message: "command app_info not found" });
  });
});
