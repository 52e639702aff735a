// Safe rendering of untrusted customer text: the text becomes React text nodes, and only http(s) URLs
// found in it become links (rel="noopener noreferrer"). Nothing here ever interprets text as HTML.
import { Fragment, type ReactNode } from "react";

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"*_~)\]}>]+$/;

/** The normalised URL when it is an absolute http(s) URL, otherwise null (javascript:, data:, relative…). */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  if (!/^https?:\/\//i.test(trimmed)) return null;
  try {
    const u = new URL(trimmed);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export type TextPart = { kind: "text"; value: string } | { kind: "link"; value: string; href: string };

/** Splits text into plain parts and http(s) link parts. */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    let candidate = match[0];
    // Trailing punctuation is usually sentence punctuation, except a ")" that closes a "(" in the URL.
    const trail = candidate.match(TRAILING);
    if (trail) {
      let cut = trail[0];
      if (cut.startsWith(")") && candidate.includes("(")) cut = cut.slice(1);
      candidate = candidate.slice(0, candidate.length - cut.length);
    }
    const href = safeHttpUrl(candidate);
    if (!href) continue;
    if (start > last) parts.push({ kind: "text", value: text.slice(last, start) });
    parts.push({ kind: "link", value: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: "text", value: text.slice(last) });
  return parts;
}

/** Renders untrusted text with clickable http(s) links; line breaks are kept by CSS (pre-wrap). */
export function LinkifiedText({ text }: { text: string }): ReactNode {
  return (
    <>
      {splitLinks(text).map((p, i) =>
        p.kind === "link" ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer" className="msg-link">
            {p.value}
          </a>
        ) : (
          <Fragment key={i}>{p.value}</Fragment>
        ),
      )}
    </>
  );
}

/** Only #rgb/#rrggbb(aa) colours from the API reach a style; anything else falls back to neutral. */
export function safeColor(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const c = raw.trim();
  return /^#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(c) ? c : null;
}
