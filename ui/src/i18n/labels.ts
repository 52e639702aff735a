// Labels for values that come from outside the UI (session and window statuses, message types and
// delivery states, channel families, sync entities, outbox actions). A value with a text in the
// dictionary gets it; any other value (the server may add WAITING_NEW, ON_HOLD, a new message type...)
// gets its namespace's neutral label, and the raw value is kept for a tooltip. This is the one place
// that turns such values into dictionary keys, so the UI never shows a key like "status.WAITING_NEW".
import { hasKey, t, type MessageKey } from "./index";

/** Namespace of the dictionary, and the neutral label of a value it does not know. */
const FALLBACK = {
  status: "unknown.status",
  window: "unknown.window",
  channel: "unknown.channel",
  "msg.type": "unknown.msgType",
  "msg.status": "unknown.msgStatus",
  preview: "unknown.preview",
  "sync.phase": "unknown.syncPhase",
  "outbox.action": "unknown.action",
} as const satisfies Record<string, MessageKey>;

export type LabelNamespace = keyof typeof FALLBACK;

export interface ValueLabel {
  /** Text to show: the dictionary's, or the neutral label of the namespace. */
  label: string;
  /** The value as received ("" when there was none). */
  raw: string;
  /** Whether the dictionary has a text for it. */
  known: boolean;
}

/**
 * Label of `value` in `ns`. `key` is the dictionary suffix to look up when it differs from the value
 * (an alias such as QUEUED → PENDING, or a channel family); null means there is none to look up.
 */
export function labelOf(ns: LabelNamespace, value: string | null | undefined, key: string | null | undefined = value): ValueLabel {
  const raw = value ?? "";
  const full = key ? `${ns}.${key}` : "";
  if (full && hasKey(full)) return { label: t(full), raw, known: true };
  return { label: t(FALLBACK[ns]), raw, known: false };
}

/** Tooltip for a label: "Valor recebido: WAITING_NEW" when the value is unknown, else nothing. */
export function rawTitle(l: ValueLabel): string | undefined {
  return !l.known && l.raw ? t("unknown.raw", { value: l.raw }) : undefined;
}

/** Tooltip for an icon that has no visible text: the label, and the value received when unknown. */
export function iconTitle(l: ValueLabel): string {
  const hint = rawTitle(l);
  return hint ? `${l.label} · ${hint}` : l.label;
}
