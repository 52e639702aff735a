// Query layer over ipc.ts: TanStack Query keys are [command, args], hooks for each read, and the map
// from `atende://changed` entity names to the commands whose cached results they invalidate.
import { useEffect } from "react";
import { useInfiniteQuery, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import * as ipc from "../ipc";
import type { SyncStatus, Tab } from "../ipc";

export const INBOX_PAGE_SIZE = 100;
export const MESSAGE_PAGE_SIZE = 50;

export const qk = {
  appInfo: () => ["app_info"] as const,
  syncStatus: () => ["sync_status"] as const,
  inboxCounts: () => ["inbox_counts"] as const,
  inboxPage: (tab: Tab, offset: number, limit: number) => ["inbox_page", { tab, offset, limit }] as const,
  conversationDetail: (sessionId: string) => ["conversation_detail", { sessionId }] as const,
  conversationMessages: (sessionId: string) => ["conversation_messages", { sessionId }] as const,
  transferTargets: () => ["transfer_targets"] as const,
  outboxFailed: () => ["outbox_failed"] as const,
};

export type ReadCommand =
  | "app_info"
  | "inbox_counts"
  | "inbox_page"
  | "conversation_detail"
  | "conversation_messages"
  | "transfer_targets"
  | "outbox_failed";

const ALL_READS: ReadCommand[] = [
  "app_info",
  "inbox_counts",
  "inbox_page",
  "conversation_detail",
  "conversation_messages",
  "transfer_targets",
  "outbox_failed",
];

/** Which cached commands read each entity named in `atende://changed`. */
export const ENTITY_COMMANDS: Record<string, ReadCommand[]> = {
  session: ["inbox_counts", "inbox_page", "conversation_detail"],
  message: ["conversation_messages", "inbox_page"],
  note: ["conversation_messages"],
  contact: ["inbox_page", "conversation_detail"],
  tag: ["conversation_detail"],
  department: ["inbox_counts", "inbox_page", "conversation_detail", "transfer_targets"],
  // Team memberships decide what "my teams" are, so agents also move the counts.
  agent: ["inbox_counts", "inbox_page", "conversation_detail", "transfer_targets"],
  channel: ["inbox_page", "conversation_detail"],
  // Read by no screen yet (the composer will); listed so they do not invalidate everything.
  template: [],
  custom_field: [],
  // Agent actions in the local outbox: their optimistic changes show in messages, sessions and lists.
  outbox: ["outbox_failed", "conversation_messages", "conversation_detail", "inbox_page", "inbox_counts"],
  account: ALL_READS,
  me: ALL_READS,
};

/** Commands to invalidate for a change notice; an entity we do not know invalidates every read. */
export function commandsForEntities(entities: string[]): Set<ReadCommand> {
  const out = new Set<ReadCommand>();
  for (const e of entities) {
    for (const c of ENTITY_COMMANDS[e] ?? ALL_READS) out.add(c);
  }
  return out;
}

export function invalidateForEntities(qc: QueryClient, entities: string[]): Promise<void[]> {
  return Promise.all([...commandsForEntities(entities)].map((c) => qc.invalidateQueries({ queryKey: [c] })));
}

/** Subscribes once to the shell's events: change notices invalidate queries, sync status is pushed. */
export function useIpcEvents(): void {
  const qc = useQueryClient();
  useEffect(() => {
    const offChanged = ipc.onChanged((e) => {
      void invalidateForEntities(qc, Array.isArray(e?.entities) ? e.entities : []);
    });
    const offSync = ipc.onSync((s: SyncStatus) => {
      // A pushed status is newer than any sync_status read still in flight.
      void qc.cancelQueries({ queryKey: qk.syncStatus() });
      qc.setQueryData(qk.syncStatus(), s);
    });
    return () => {
      offChanged();
      offSync();
    };
  }, [qc]);
}

export const useAppInfo = () => useQuery({ queryKey: qk.appInfo(), queryFn: ipc.appInfo, staleTime: Infinity });

export const useSyncStatus = () =>
  useQuery({ queryKey: qk.syncStatus(), queryFn: ipc.syncStatus, staleTime: Infinity });

export const useInboxCounts = () => useQuery({ queryKey: qk.inboxCounts(), queryFn: ipc.inboxCounts });

export const useConversationDetail = (sessionId: string | null) =>
  useQuery({
    queryKey: qk.conversationDetail(sessionId ?? ""),
    queryFn: () => ipc.conversationDetail(sessionId as string),
    enabled: sessionId !== null,
  });

export const useTransferTargets = () => useQuery({ queryKey: qk.transferTargets(), queryFn: ipc.transferTargets });

export const useOutboxFailed = () => useQuery({ queryKey: qk.outboxFailed(), queryFn: ipc.outboxFailed });

export const useConversationMessages = (sessionId: string | null) =>
  useInfiniteQuery({
    queryKey: qk.conversationMessages(sessionId ?? ""),
    queryFn: ({ pageParam }) => ipc.conversationMessages(sessionId as string, pageParam, MESSAGE_PAGE_SIZE),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    enabled: sessionId !== null,
  });
