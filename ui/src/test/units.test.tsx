// Unit tests for the pure helpers: i18n dictionaries and formatting, safe text/links, the
// entity-to-query invalidation map, and the IPC error normalisation.
import { afterEach, describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { en } from "../i18n/en";
import { ptBR } from "../i18n/pt-BR";
import { setLocale, t, tn } from "../i18n";
import { formatAgo, formatBytes, formatDateTime, formatDayLabel, formatRelative } from "../i18n/format";
import { LinkifiedText, safeColor, safeHttpUrl, splitLinks } from "../lib/safeText";
import { commandsForEntities } from "../lib/queries";
import { IpcError, toIpcError } from "../ipc";

afterEach(() => setLocale("pt-BR"));

describe("i18n", () => {
  it("pt-BR and en have exactly the same keys, all non-empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ptBR).sort());
    for (const [k, v] of [...Object.entries(ptBR), ...Object.entries(en)]) expect(v, k).not.toBe("");
  });

  it("keeps the same placeholders in both locales", () => {
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(ptBR) as (keyof typeof ptBR)[]) expect(vars(en[key]), key).toEqual(vars(ptBR[key]));
  });

  it("fills variables, formats numbers for the locale and picks plurals", () => {
    expect(t("sync.progress", { phase: "mensagens", done: 1200, total: 40000 })).toBe("mensagens 1.200/40.000");
    expect(tn("inbox.unread", 1)).toBe("1 mensagem não lida");
    expect(tn("inbox.unread", 3)).toBe("3 mensagens não lidas");
    setLocale("en");
    expect(t("sync.progress", { phase: "messages", done: 1200, total: 40000 })).toBe("messages 1,200/40,000");
    expect(t("tab.waiting")).toBe("Waiting");
  });

  it("formats dates the pt-BR way", () => {
    const now = new Date(2026, 10, 22, 14, 5, 30);
    expect(formatDateTime(new Date(2026, 10, 22, 14, 5))).toBe("22/11/2026 14:05");
    expect(formatRelative(new Date(now.getTime() - 20_000), now)).toBe("agora");
    expect(formatRelative(new Date(now.getTime() - 3 * 60_000), now)).toBe("há 3 min");
    expect(formatRelative(new Date(2026, 10, 22, 9, 0), now)).toBe("há 5 h");
    expect(formatRelative(new Date(2026, 10, 21, 9, 0), now)).toBe("ontem");
    expect(formatRelative(new Date(2026, 10, 2, 9, 0), now)).toBe("02/11");
    expect(formatRelative(new Date(2025, 10, 2, 9, 0), now)).toBe("02/11/2025");
    expect(formatAgo(new Date(now.getTime() - 3000), now)).toBe("há 3 s");
    expect(formatDayLabel(new Date(2026, 10, 22, 8, 0), now)).toBe("Hoje");
    expect(formatDayLabel(new Date(2026, 10, 21, 23, 59), now)).toBe("Ontem");
    expect(formatDayLabel(new Date(2026, 10, 12, 8, 0), now)).toBe("12 de novembro");
    expect(formatDayLabel(new Date(2025, 11, 25, 8, 0), now)).toBe("25 de dezembro de 2025");
    expect(formatBytes(186_880)).toBe("183 KB");
    expect(formatBytes(1_250_000)).toBe("1,2 MB");
  });
});

describe("safe text", () => {
  it("links only absolute http(s) URLs and trims sentence punctuation", () => {
    expect(splitLinks("veja https://a.example/x?y=1, ok")).toEqual([
      { kind: "text", value: "veja " },
      { kind: "link", value: "https://a.example/x?y=1", href: "https://a.example/x?y=1" },
      { kind: "text", value: ", ok" },
    ]);
    expect(splitLinks("javascript:alert(1) e data:text/html,<b>x</b>")).toEqual([{ kind: "text", value: "javascript:alert(1) e data:text/html,<b>x</b>" }]);
    expect(splitLinks("(https://a.example/wiki/X_(y))").find((p) => p.kind === "link")?.value).toBe("https://a.example/wiki/X_(y)");
    expect(safeHttpUrl("javascript:alert(1)")).toBeNull();
    expect(safeHttpUrl(" JAVASCRIPT:alert(1)")).toBeNull();
    expect(safeHttpUrl("/relative.png")).toBeNull();
    expect(safeHttpUrl("http://ok.example/a.png")).toBe("http://ok.example/a.png");
    expect(safeColor("#7c3aed")).toBe("#7c3aed");
    expect(safeColor("red; background:url(x)")).toBeNull();
  });

  it("renders markup as text nodes", () => {
    const { container } = render(<p><LinkifiedText text={'<script>alert(1)</script><img src=x onerror=alert(1)>'} /></p>);
    expect(container.querySelector("script, img")).toBeNull();
    expect(container.textContent).toBe("<script>alert(1)</script><img src=x onerror=alert(1)>");
  });
});

describe("query invalidation map", () => {
  it("maps entity names to the commands that read them; unknown entities invalidate all reads", () => {
    expect([...commandsForEntities(["session"])].sort()).toEqual(["conversation_detail", "inbox_counts", "inbox_page"]);
    expect([...commandsForEntities(["message"])].sort()).toEqual(["conversation_messages", "inbox_page"]);
    expect(commandsForEntities(["tag"]).has("conversation_detail")).toBe(true);
    expect(commandsForEntities(["something_new"]).size).toBe(7);
  });
});

describe("IPC errors", () => {
  it("normalises rejections to IpcError { code, message }", () => {
    const a = toIpcError({ code: "not_found", message: "Atendimento não encontrado." });
    expect(a).toBeInstanceOf(IpcError);
    expect([a.code, a.message]).toEqual(["not_found", "Atendimento não encontrado."]);
    expect([toIpcError("boom").code, toIpcError("boom").message]).toEqual(["unknown", "boom"]);
    expect(toIpcError(new Error("x")).code).toBe("unknown");
    expect(toIpcError(undefined).message).toBe("Erro inesperado.");
  });
});
