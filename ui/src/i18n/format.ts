// Locale-aware date and size formatting: "22/11/2026 14:05", relative times ("há 3 min"), and the day
// separators of the timeline ("Hoje", "Ontem", "22 de novembro"). `now` is a parameter so it is testable.
import { getLocale, t, formatNumber } from "./index";

function parse(iso: string | Date | null | undefined): Date | null {
  if (!iso) return null;
  const d = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** 22/11/2026 14:05 (pt-BR) or 11/22/2026 14:05 (en). */
export function formatDateTime(iso: string | Date | null | undefined): string {
  const d = parse(iso);
  if (!d) return "";
  const date =
    getLocale() === "en"
      ? `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${d.getFullYear()}`
      : `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
  return `${date} ${formatTime(d)}`;
}

/** 14:05 */
export function formatTime(iso: string | Date | null | undefined): string {
  const d = parse(iso);
  if (!d) return "";
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function dayDiff(d: Date, now: Date): number {
  return Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000);
}

/** Key that groups messages by local calendar day. */
export function dayKey(iso: string | Date): string {
  const d = parse(iso);
  if (!d) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Timeline day separator: "Hoje", "Ontem", "22 de novembro", "22 de novembro de 2025". */
export function formatDayLabel(iso: string | Date, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return "";
  const diff = dayDiff(d, now);
  if (diff === 0) return t("day.today");
  if (diff === 1) return t("day.yesterday");
  const opts: Intl.DateTimeFormatOptions =
    d.getFullYear() === now.getFullYear()
      ? { day: "numeric", month: "long" }
      : { day: "numeric", month: "long", year: "numeric" };
  return new Intl.DateTimeFormat(getLocale(), opts).format(d);
}

/** List-row time: "agora", "há 3 min", "há 2 h", "ontem", then "22/11" or "22/11/2025". */
export function formatRelative(iso: string | Date | null | undefined, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return "";
  const sec = Math.max(0, Math.floor((now.getTime() - d.getTime()) / 1000));
  if (sec < 60) return t("time.now");
  if (sec < 3600) return t("time.minutes", { n: Math.floor(sec / 60) });
  const diff = dayDiff(d, now);
  if (diff === 0) return t("time.hours", { n: Math.floor(sec / 3600) });
  if (diff === 1) return t("time.yesterday");
  const en = getLocale() === "en";
  const dm = en ? `${pad(d.getMonth() + 1)}/${pad(d.getDate())}` : `${pad(d.getDate())}/${pad(d.getMonth() + 1)}`;
  return d.getFullYear() === now.getFullYear() ? dm : `${dm}/${d.getFullYear()}`;
}

/** Status-bar age with seconds: "há 3 s", "há 4 min", "há 2 h", then the full date. */
export function formatAgo(iso: string | Date | null | undefined, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return "";
  const sec = Math.max(0, Math.floor((now.getTime() - d.getTime()) / 1000));
  if (sec < 60) return t("time.seconds", { n: sec });
  if (sec < 3600) return t("time.minutes", { n: Math.floor(sec / 60) });
  if (sec < 86_400) return t("time.hours", { n: Math.floor(sec / 3600) });
  return formatDateTime(d);
}

/** 1,2 MB / 830 KB / 512 B */
export function formatBytes(size: number | null | undefined): string {
  if (size == null || !Number.isFinite(size) || size < 0) return "";
  if (size < 1024) return `${formatNumber(size)} B`;
  const units = ["KB", "MB", "GB"];
  let v = size / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const n = new Intl.NumberFormat(getLocale(), { maximumFractionDigits: v < 10 ? 1 : 0 }).format(v);
  return `${n} ${units[i]}`;
}

/** Compact count for tabs: 12, 1.234, 12 mil, 1,2 mi. */
export function formatCount(n: number): string {
  if (n < 10_000) return formatNumber(n);
  return new Intl.NumberFormat(getLocale(), { notation: "compact", maximumFractionDigits: 1 }).format(n);
}
