// Channel glyph for a Helena channel type (CLOUDAPI_WHATSAPP, INSTAGRAM, ...). Lucide has no brand
// icons, so each channel family gets a neutral glyph plus an accessible label; a type of no known
// family is "Outro canal", with the type received in the tooltip.
import { Camera, Globe, Mail, MessageCircle, MessagesSquare, Send, Radio } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import { iconTitle, labelOf, type ValueLabel } from "../i18n/labels";

type Family = "whatsapp" | "instagram" | "messenger" | "telegram" | "email" | "webchat" | "other";

export function channelFamily(type: string | null | undefined): Family {
  const s = (type ?? "").toUpperCase();
  if (s.includes("WHATSAPP") || s.includes("WABA")) return "whatsapp";
  if (s.includes("INSTAGRAM")) return "instagram";
  if (s.includes("MESSENGER") || s.includes("FACEBOOK")) return "messenger";
  if (s.includes("TELEGRAM")) return "telegram";
  if (s.includes("EMAIL") || s.includes("MAIL")) return "email";
  if (s.includes("WEB") || s.includes("SITE") || s.includes("CHAT")) return "webchat";
  return "other";
}

const ICONS: Record<Family, LucideIcon> = {
  whatsapp: MessageCircle,
  instagram: Camera,
  messenger: MessagesSquare,
  telegram: Send,
  email: Mail,
  webchat: Globe,
  other: Radio,
};

export function channelLabel(type: string | null | undefined): ValueLabel {
  const family = channelFamily(type);
  return labelOf("channel", type, family === "other" ? null : family);
}

export function ChannelIcon({ type, size = 14 }: { type: string | null | undefined; size?: number }) {
  const family = channelFamily(type);
  const Icon = ICONS[family];
  const l = channelLabel(type);
  return (
    <span className={`channel-icon ch-${family}`} title={iconTitle(l)}>
      <Icon size={size} strokeWidth={2} aria-label={l.label} role="img" />
    </span>
  );
}
