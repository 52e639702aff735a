// Test data builders shaped exactly like the IPC contract (summaries, details, messages, statuses).
import type { AppInfo, ConversationDetail, ConversationSummary, InboxCounts, MessageItem, MessagesPage, OutboxFailed, SyncStatus, Tab, TransferTargets } from "../ipc";

export const APP_INFO: AppInfo = {
  version: "0.1.0",
  account: { name: "Loja Centro", baseUrl: "https://api.example", demo: true },
  me: { userId: "u-ana", name: "Ana Lima", teams: ["Suporte"] },
};

export const SYNC_IDLE: SyncStatus = {
  state: "online",
  phase: null,
  firstSync: false,
  entities: [],
  lastSyncAt: null,
  error: null,
  pending: 0,
  failed: 0,
  resumeInSecs: null,
};

export const counts: InboxCounts = { mine: 3, waiting: 1234, completed: 0, all: 45678 };

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

export function summary(overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: "s-1",
    contactId: "c-1",
    contactName: "Maria Souza",
    contactPhone: "+55 (11) 98765-4321",
    status: "IN_PROGRESS",
    windowStatus: "ACTIVE",
    channelType: "CLOUDAPI_WHATSAPP",
    channelName: "WhatsApp Loja",
    departmentName: "Suporte",
    agentName: "Ana Lima",
    lastMessageText: "Meu pedido ainda não chegou",
    lastMessageType: "TEXT",
    lastInteractionAt: minutesAgo(3),
    unreadCount: 0,
    number: "2026112200153",
    ...overrides,
  };
}

export const MINE: ConversationSummary[] = [
  summary({ id: "s-1", contactName: "Maria Souza", unreadCount: 3, lastInteractionAt: minutesAgo(3) }),
  summary({ id: "s-2", contactId: "c-2", contactName: "João Almeida", contactPhone: "+55 (21) 91234-5678", lastMessageText: "Recebi, obrigado!", departmentName: "Vendas", lastInteractionAt: minutesAgo(10) }),
  summary({ id: "s-3", contactId: "c-3", contactName: "Beatriz Teixeira", channelType: "INSTAGRAM", channelName: "Instagram", contactPhone: null, lastMessageText: "Tem no 42?", lastInteractionAt: minutesAgo(40) }),
];

export const WAITING: ConversationSummary[] = [
  summary({ id: "s-9", contactId: "c-9", contactName: "Lucas Oliveira", status: "PENDING", agentName: null, lastMessageText: "Alguém pode me ajudar?" }),
];

export function inboxRows(tab: Tab): ConversationSummary[] {
  switch (tab) {
    case "mine":
      return MINE;
    case "waiting":
      return WAITING;
    case "completed":
      return [];
    case "all":
      return [...MINE, ...WAITING];
  }
}

export function detailFor(id: string): ConversationDetail {
  const row = [...MINE, ...WAITING].find((r) => r.id === id) ?? summary({ id });
  return {
    ...row,
    contactEmail: "maria.souza@email.com.br",
    startAt: "2026-11-22T11:04:00Z",
    endAt: null,
    tags: [
      { id: "t1", name: "Cliente VIP", color: "#7c3aed" },
      { id: "t2", name: "Pedido atrasado", color: "url(javascript:alert(1))" },
    ],
  };
}

let seq = 100;
export function message(overrides: Partial<MessageItem> = {}): MessageItem {
  seq += 1;
  return {
    id: `m-${seq}`,
    seq,
    kind: "message",
    direction: "in",
    type: "TEXT",
    text: "Olá!",
    status: null,
    createdAt: new Date().toISOString(),
    authorName: null,
    file: null,
    location: null,
    contact: null,
    outbox: null,
    ...overrides,
  };
}

export function messagesPage(items: MessageItem[] = [message({ text: "Oi, bom dia!" }), message({ direction: "out", text: "Bom dia, Maria!", status: "READ", authorName: "Ana Lima" })], nextBefore: number | null = null): MessagesPage {
  return { items, nextBefore };
}

export const TRANSFER_TARGETS: TransferTargets = {
  departments: [
    { id: "d-sup", name: "Suporte" },
    { id: "d-ven", name: "Vendas" },
    { id: "d-fin", name: "Financeiro" },
  ],
  agents: [
    { userId: "u-ana", name: "Ana Lima", departmentIds: ["d-sup", "d-ven"] },
    { userId: "u-bruno", name: "Bruno Costa", departmentIds: ["d-sup"] },
    { userId: "u-carla", name: "Carla Mendes", departmentIds: ["d-ven", "d-fin"] },
  ],
};

export function failedAction(overrides: Partial<OutboxFailed> = {}): OutboxFailed {
  return {
    id: "ob-9",
    sessionId: "s-1",
    action: "send_text",
    summary: "Segue o link do rastreio",
    error: "O WhatsApp recusou a mensagem.",
    createdAt: minutesAgo(5),
    ...overrides,
  };
}
