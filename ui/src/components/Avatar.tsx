// Contact avatar: initials on one of a few muted tones picked from the name, so a face is recognisable
// across the list, the header and the contact panel.
import { UserRound } from "lucide-react";

const TONES = 6;

export function initials(name: string | null | undefined): string {
  if (!name) return "";
  const words = name
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return "";
  const first = [...words[0]!][0] ?? "";
  const last = words.length > 1 ? ([...words[words.length - 1]!][0] ?? "") : "";
  return (first + last).toUpperCase();
}

function tone(seed: string): number {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  return h % TONES;
}

export function Avatar({ name, seed, size = "md" }: { name: string | null; seed?: string | null; size?: "sm" | "md" | "lg" }) {
  const text = initials(name);
  return (
    <span className={`avatar avatar-${size} tone-${tone(seed ?? name ?? "")}`} aria-hidden="true">
      {text || <UserRound size={size === "lg" ? 22 : 16} strokeWidth={1.75} />}
    </span>
  );
}
