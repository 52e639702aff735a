// Agent actions over the local outbox: the mutation hooks behind the composer, the conversation header,
// the transfer dialog and the failed-actions list, and which actions apply to a conversation's status.
// Every command returns at once (the shell stores the action and its optimistic change), so on success
// we only refresh the reads the outbox touches; the shell's change notices refresh them again later.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import * as ipc from "../ipc";
import type { ConversationSummary, Queued } from "../ipc";
import { invalidateForEntities } from "./queries";

export type ConvAction =
  | { kind: "assume"; sessionId: string }
  | { kind: "conclude"; sessionId: string }
  | { kind: "reopen"; sessionId: string }
  | { kind: "transfer"; sessionId: string; departmentId: string | null; userId: string | null };

function runConvAction(a: ConvAction): Promise<Queued> {
  switch (a.kind) {
    case "assume":
      return ipc.assume(a.sessionId);
    case "conclude":
      return ipc.conclude(a.sessionId);
    case "reopen":
      return ipc.reopen(a.sessionId);
    case "transfer":
      return ipc.transfer(a.sessionId, a.departmentId, a.userId);
  }
}

/** Mutation key of header/palette actions, whose errors the conversation header shows. */
export const DIRECT_ACTION_KEY = ["conv_action", "direct"] as const;
/** Mutation key of actions started from a dialog, which shows its own errors. */
const DIALOG_ACTION_KEY = ["conv_action", "dialog"] as const;

function useRefreshOutbox() {
  const qc = useQueryClient();
  return () => {
    void invalidateForEntities(qc, ["outbox"]);
  };
}

/** Assumir / Transferir / Concluir / Reabrir. Callbacks live on the mutation, so they also run when the
 * component that started it (the command palette) has closed. */
export function useConvAction(scope: "direct" | "dialog" = "direct") {
  const refresh = useRefreshOutbox();
  return useMutation({
    mutationKey: scope === "direct" ? DIRECT_ACTION_KEY : DIALOG_ACTION_KEY,
    mutationFn: runConvAction,
    onSuccess: refresh,
  });
}

/** Composer: a message to the customer, or an internal note. */
export function useSendMutation() {
  const refresh = useRefreshOutbox();
  return useMutation({
    mutationFn: (v: { sessionId: string; text: string; note: boolean }) =>
      v.note ? ipc.addNote(v.sessionId, v.text) : ipc.sendMessage(v.sessionId, v.text),
    onSuccess: refresh,
  });
}

/** Retry or discard one failed outbox entry (a bubble in the timeline or a row in the status bar). */
export function useOutboxItemAction() {
  const refresh = useRefreshOutbox();
  return useMutation({
    mutationFn: (v: { op: "retry" | "discard"; id: string }) =>
      v.op === "retry" ? ipc.outboxRetry(v.id) : ipc.outboxDiscard(v.id),
    onSuccess: refresh,
  });
}

interface AvailableActions {
  assume: boolean;
  transfer: boolean;
  conclude: boolean;
  reopen: boolean;
}

/** Which header actions apply: nothing to assume when it is already mine, and a completed conversation
 * can only be reopened. */
export function availableActions(c: Pick<ConversationSummary, "status" | "agentName">, meName: string | null): AvailableActions {
  const closed = c.status === "COMPLETED" || c.status === "HIDDEN";
  const mine = meName !== null && c.agentName === meName && (c.status === "IN_PROGRESS" || c.status === "STARTED");
  return {
    assume: !closed && !mine,
    transfer: !closed,
    conclude: !closed,
    reopen: c.status === "COMPLETED",
  };
}
