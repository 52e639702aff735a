// Test double for src/ipc.ts (used with vi.mock("../ipc", () => import("./ipcMock"))): every command is
// a vi.fn with realistic defaults, the real types/errors are kept, and tests can emit shell events.
import { vi } from "vitest";
import type * as Ipc from "../ipc";
import type { ChangedEvent, SyncStatus } from "../ipc";
import { counts, detailFor, inboxRows, messagesPage, SYNC_IDLE, APP_INFO, TRANSFER_TARGETS } from "./fixtures";

const actual = await vi.importActual<typeof Ipc>("../ipc");
export const { IpcError, toIpcError, TABS, isTauri } = actual;

export const appInfo = vi.fn<typeof Ipc.appInfo>();
export const syncStatus = vi.fn<typeof Ipc.syncStatus>();
export const syncNow = vi.fn<typeof Ipc.syncNow>();
export const inboxCounts = vi.fn<typeof Ipc.inboxCounts>();
export const inboxPage = vi.fn<typeof Ipc.inboxPage>();
export const conversationDetail = vi.fn<typeof Ipc.conversationDetail>();
export const conversationMessages = vi.fn<typeof Ipc.conversationMessages>();
export const sendMessage = vi.fn<typeof Ipc.sendMessage>();
export const addNote = vi.fn<typeof Ipc.addNote>();
export const assume = vi.fn<typeof Ipc.assume>();
export const conclude = vi.fn<typeof Ipc.conclude>();
export const reopen = vi.fn<typeof Ipc.reopen>();
export const transfer = vi.fn<typeof Ipc.transfer>();
export const transferTargets = vi.fn<typeof Ipc.transferTargets>();
export const outboxFailed = vi.fn<typeof Ipc.outboxFailed>();
export const outboxRetry = vi.fn<typeof Ipc.outboxRetry>();
export const outboxDiscard = vi.fn<typeof Ipc.outboxDiscard>();

const changedListeners = new Set<(e: ChangedEvent) => void>();
const syncListeners = new Set<(s: SyncStatus) => void>();

export const onChanged = vi.fn((cb: (e: ChangedEvent) => void) => {
  changedListeners.add(cb);
  return () => changedListeners.delete(cb);
});
export const onSync = vi.fn((cb: (s: SyncStatus) => void) => {
  syncListeners.add(cb);
  return () => syncListeners.delete(cb);
});

export function emitChanged(e: ChangedEvent): void {
  changedListeners.forEach((cb) => cb(e));
}
export function emitSync(s: SyncStatus): void {
  syncListeners.forEach((cb) => cb(s));
}

/** Resets every mock to the default demo answers (call in beforeEach). */
export function resetIpcMock(): void {
  changedListeners.clear();
  syncListeners.clear();
  appInfo.mockReset().mockResolvedValue(APP_INFO);
  syncStatus.mockReset().mockResolvedValue(SYNC_IDLE);
  syncNow.mockReset().mockResolvedValue(null);
  inboxCounts.mockReset().mockResolvedValue(counts);
  inboxPage.mockReset().mockImplementation(async (tab, offset, limit) => {
    const rows = inboxRows(tab);
    return { total: rows.length, items: rows.slice(offset, offset + limit) };
  });
  conversationDetail.mockReset().mockImplementation(async (id) => detailFor(id));
  conversationMessages.mockReset().mockImplementation(async () => messagesPage());
  let n = 0;
  const queued = async () => ({ id: `ob-${++n}` });
  sendMessage.mockReset().mockImplementation(queued);
  addNote.mockReset().mockImplementation(queued);
  assume.mockReset().mockImplementation(queued);
  conclude.mockReset().mockImplementation(queued);
  reopen.mockReset().mockImplementation(queued);
  transfer.mockReset().mockImplementation(queued);
  transferTargets.mockReset().mockResolvedValue(TRANSFER_TARGETS);
  outboxFailed.mockReset().mockResolvedValue([]);
  outboxRetry.mockReset().mockResolvedValue(null);
  outboxDiscard.mockReset().mockResolvedValue(null);
}
