// IPC bridge to the Tauri shell: the only module that imports @tauri-apps/api. It exposes one typed
// function per command of docs/ipc-contract.md, the contract's types, the event listeners, and turns
// every failure into an IpcError { code, message }. Outside Tauri (a plain browser during development)
// it answers from the demo backend in src/dev/mockData.ts, which is loaded lazily and only then.
import { invoke as tauriInvoke } from "@tauri-apps/api/core";
import { listen as tauriListen } from "@tauri-apps/api/event";

// ---- Contract types ------------------------------------------------------------------------------

export type Tab = "mine" | "waiting" | "completed" | "all";
export const TABS: readonly Tab[] = ["mine", "waiting", "completed", "all"];

/** Helena session statuses the app knows; the server may add others (WAITING_NEW, ON_HOLD...), which
 * come through as they are and are shown with a neutral label (see i18n/labels.ts). */
export type KnownSessionStatus = "UNDEFINED" | "STARTED" | "PENDING" | "IN_PROGRESS" | "COMPLETED" | "HIDDEN";
export type SessionStatus = KnownSessionStatus | (string & {});
export type KnownWindowStatus = "ACTIVE" | "EXPIRED" | "NOT_STARTED";
export type WindowStatus = KnownWindowStatus | (string & {});

export interface AppInfo {
  version: string;
  account: { name: string; baseUrl: string; demo: boolean };
  me: { userId: string; name: string; teams: string[] } | null;
}

/** What a sync pass pulls, in the order of a first pass. */
export type SyncEntity = "reference" | "sessions" | "contacts" | "messages" | "notes";

/** Items of one entity stored so far in the current pass, and the server's total where it says it. */
export interface EntityProgress {
  entity: SyncEntity;
  stored: number;
  /** Never shrinks during a pass; null when the server does not say. */
  total: number | null;
}

export interface SyncStatus {
  state: "online" | "syncing" | "offline" | "rateLimited" | "error";
  /** The entity being pulled right now. */
  phase: SyncEntity | null;
  /** True only while the first full pass of this workspace runs; false once it has ended. */
  firstSync: boolean;
  /** Per entity progress of the current pass; empty between passes. */
  entities: EntityProgress[];
  lastSyncAt: string | null;
  error: { code: string; message: string } | null;
  /** Agent actions waiting for delivery (pending, in flight or uncertain). */
  pending: number;
  /** Agent actions that failed for good and wait for retry or discard. */
  failed: number;
  /** While rate-limited: seconds until the account may send again. */
  resumeInSecs: number | null;
}

export interface InboxCounts {
  mine: number;
  waiting: number;
  completed: number;
  all: number;
}

export interface ConversationSummary {
  id: string;
  contactId: string | null;
  contactName: string | null;
  contactPhone: string | null;
  status: SessionStatus;
  windowStatus: WindowStatus | null;
  channelType: string | null;
  channelName: string | null;
  departmentName: string | null;
  agentName: string | null;
  /** May be null or empty when the last message is a photo, an audio, etc. */
  lastMessageText: string | null;
  /** Helena `type` of the newest stored message (TEXT, IMAGE, AUDIO, ..., or one the app does not
   * know); null when the conversation has no message. */
  lastMessageType: string | null;
  lastInteractionAt: string | null;
  unreadCount: number;
  number: string | null;
}

export interface Tag {
  id: string;
  name: string;
  color: string | null;
}

export interface ConversationDetail extends ConversationSummary {
  contactEmail: string | null;
  startAt: string | null;
  endAt: string | null;
  tags: Tag[];
}

export interface MessageFile {
  name: string | null;
  mimeType: string | null;
  url: string | null;
  size: number | null;
}

export interface MessageLocation {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
}

export interface MessageContact {
  name: string | null;
  phoneNumber: string | null;
}

export interface MessageItem {
  id: string;
  seq: number;
  kind: "message" | "note";
  direction: "in" | "out" | null;
  type: string;
  text: string | null;
  status: string | null;
  createdAt: string;
  authorName: string | null;
  file: MessageFile | null;
  location: MessageLocation | null;
  contact: MessageContact | null;
  /** Set while the message or note is still in the local outbox (its `id` is then the outbox id). */
  outbox: MessageOutbox | null;
}

/** Delivery state of an agent action held in the local outbox. */
export type OutboxState = "pending" | "sending" | "uncertain" | "failed";

export interface MessageOutbox {
  state: OutboxState;
  error: string | null;
}

export type OutboxAction =
  | "send_text"
  | "send_media"
  | "send_template"
  | "note"
  | "assume"
  | "transfer"
  | "conclude"
  | "reopen"
  | "contact_tags"
  | "contact_fields"
  | "contact_status";

/** An agent action that failed for good and waits for retry or discard. */
export interface OutboxFailed {
  id: string;
  sessionId: string | null;
  action: OutboxAction;
  /** Short description of the action; may contain customer-provided text (render as text only). */
  summary: string | null;
  error: string;
  createdAt: string;
}

/** The client id of an action just stored in the outbox. */
export interface Queued {
  id: string;
}

export interface TransferTargets {
  departments: { id: string; name: string }[];
  agents: { userId: string; name: string; departmentIds: string[] }[];
}

export interface InboxPage {
  total: number;
  items: ConversationSummary[];
}

export interface MessagesPage {
  items: MessageItem[];
  nextBefore: number | null;
}

export interface ChangedEvent {
  entities: string[];
}

// ---- Errors --------------------------------------------------------------------------------------

/** Every rejected command surfaces as this: `code` is stable (the UI branches on it), `message` is
 * PT-BR text fit to show. */
export class IpcError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "IpcError";
    this.code = code;
  }
}

export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (raw && typeof raw === "object") {
    const obj = raw as { code?: unknown; message?: unknown };
    if (typeof obj.code === "string") {
      return new IpcError(obj.code, typeof obj.message === "string" ? obj.message : obj.code);
    }
    if (raw instanceof Error) return new IpcError("unknown", raw.message);
  }
  if (typeof raw === "string" && raw.length > 0) return new IpcError("unknown", raw);
  return new IpcError("unknown", "Erro inesperado.");
}

// ---- Backend selection (Tauri, or the dev demo when running in a plain browser) ---------------------

type Unlisten = () => void;

export interface Backend {
  invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
  listen(event: string, cb: (payload: unknown) => void): Promise<Unlisten>;
}

const tauriBackend: Backend = {
  invoke: (cmd, args) => tauriInvoke(cmd, args),
  listen: (event, cb) => tauriListen(event, (e) => cb(e.payload)),
};

export function isTauri(): boolean {
  return typeof window !== "undefined" && (window as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__ !== undefined;
}

let backendPromise: Promise<Backend> | null = null;

function backend(): Promise<Backend> {
  if (!backendPromise) {
    backendPromise = isTauri()
      ? Promise.resolve(tauriBackend)
      : import("./dev/mockData").then((m) => m.createMockBackend());
  }
  return backendPromise;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    const b = await backend();
    return (await b.invoke(cmd, args)) as T;
  } catch (err) {
    throw toIpcError(err);
  }
}

// ---- Commands ------------------------------------------------------------------------------------

export const appInfo = (): Promise<AppInfo> => call("app_info");
export const syncStatus = (): Promise<SyncStatus> => call("sync_status");
export const syncNow = (): Promise<null> => call("sync_now");
export const inboxCounts = (): Promise<InboxCounts> => call("inbox_counts");

export const inboxPage = (tab: Tab, offset: number, limit: number): Promise<InboxPage> =>
  call("inbox_page", { tab, offset, limit });

export const conversationDetail = (sessionId: string): Promise<ConversationDetail> =>
  call("conversation_detail", { sessionId });

export const conversationMessages = (
  sessionId: string,
  before: number | null,
  limit: number,
): Promise<MessagesPage> => call("conversation_messages", { sessionId, before, limit });

// Agent actions: each one is stored in the local outbox with its optimistic change and returns at once;
// delivery to the server happens in the background.
export const sendMessage = (sessionId: string, text: string): Promise<Queued> => call("send_message", { sessionId, text });
export const addNote = (sessionId: string, text: string): Promise<Queued> => call("add_note", { sessionId, text });
export const assume = (sessionId: string): Promise<Queued> => call("assume", { sessionId });
export const conclude = (sessionId: string): Promise<Queued> => call("conclude", { sessionId });
export const reopen = (sessionId: string): Promise<Queued> => call("reopen", { sessionId });
export const transfer = (sessionId: string, departmentId: string | null, userId: string | null): Promise<Queued> =>
  call("transfer", { sessionId, departmentId, userId });

export const transferTargets = (): Promise<TransferTargets> => call("transfer_targets", {});
export const outboxFailed = (): Promise<OutboxFailed[]> => call("outbox_failed", {});
export const outboxRetry = (id: string): Promise<null> => call("outbox_retry", { id });
export const outboxDiscard = (id: string): Promise<null> => call("outbox_discard", { id });

// ---- Events --------------------------------------------------------------------------------------

function subscribe<T>(event: string, cb: (payload: T) => void): Unlisten {
  let disposed = false;
  let unlisten: Unlisten | null = null;
  backend()
    .then((b) => b.listen(event, (payload) => cb(payload as T)))
    .then((fn) => {
      if (disposed) fn();
      else unlisten = fn;
    })
    .catch(() => {
      /* no event source: the UI still works by polling on focus */
    });
  return () => {
    disposed = true;
    unlisten?.();
  };
}

/** `atende://changed`: entities whose queries should be invalidated. Returns the unsubscribe function. */
export const onChanged = (cb: (e: ChangedEvent) => void): Unlisten => subscribe("atende://changed", cb);

/** `atende://sync`: the new sync status. Returns the unsubscribe function. */
export const onSync = (cb: (s: SyncStatus) => void): Unlisten => subscribe("atende://sync", cb);
