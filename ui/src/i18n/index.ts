// Tiny translation helper: t(key, vars) looks the key up in the current locale (pt-BR by default) and
// fills {placeholders}; numeric vars are formatted for the locale ("1.200" in pt-BR).
import { ptBR, type MessageKey } from "./pt-BR";
import { en } from "./en";

export type { MessageKey };
export type Locale = "pt-BR" | "en";
export type Vars = Record<string, string | number>;

export const dictionaries: Record<Locale, Record<MessageKey, string>> = { "pt-BR": ptBR, en };

let current: Locale = "pt-BR";

export function getLocale(): Locale {
  return current;
}

export function setLocale(locale: Locale): void {
  current = locale;
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(current).format(n);
}

export function t(key: MessageKey, vars?: Vars): string {
  const template = dictionaries[current][key] ?? ptBR[key] ?? key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) return whole;
    return typeof v === "number" ? formatNumber(v) : v;
  });
}

type PluralBase<K extends string> = K extends `${infer B}.one` ? B : never;

/** Plural form: picks `<base>.one` when count is 1, `<base>.other` otherwise; `{count}` is filled in. */
export function tn(base: PluralBase<MessageKey>, count: number, vars?: Vars): string {
  const key = (count === 1 ? `${base}.one` : `${base}.other`) as MessageKey;
  return t(key, { count, ...vars });
}

export function hasKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(ptBR, key);
}
