// What goes inside a message bubble for each message `type`: text with safe links, images, audio,
// video, documents, stickers, locations, shared contacts, list/button/template messages and unknown
// types (named "Mensagem do tipo X", with the value received in the tooltip). Media sources are used
// only when they are absolute http(s) URLs.
import type { ReactNode } from "react";
import { FileText, LayoutList, LayoutTemplate, MapPin, MousePointerClick, CircleHelp, ImageOff, ExternalLink, Mic, Film } from "lucide-react";
import type { LucideIcon } from "lucide-react";
import type { MessageItem } from "../../ipc";
import { getLocale, t } from "../../i18n";
import { formatBytes } from "../../i18n/format";
import { labelOf, rawTitle } from "../../i18n/labels";
import { LinkifiedText, safeHttpUrl } from "../../lib/safeText";
import { Avatar } from "../../components/Avatar";

/** Name of a message type: its label when known, else "Mensagem do tipo X" (the tooltip repeats X). */
export function messageTypeLabel(type: string): { text: string; title: string | undefined } {
  const l = labelOf("msg.type", type);
  const text = l.known || !l.raw ? l.label : t("msg.typeUnknown", { type: l.raw });
  return { text, title: rawTitle(l) };
}

function Caption({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p className="msg-text">
      <LinkifiedText text={text} />
    </p>
  );
}

function TypeHint({ icon: Icon, title, children }: { icon: LucideIcon; title?: string; children: ReactNode }) {
  return (
    <span className="msg-type-hint" title={title}>
      <Icon size={13} strokeWidth={2} aria-hidden="true" />
      {children}
    </span>
  );
}

function Unavailable({ icon: Icon, label }: { icon: LucideIcon; label: string }) {
  return (
    <div className="msg-card">
      <span className="msg-card-icon" aria-hidden="true">
        <Icon size={18} strokeWidth={1.75} />
      </span>
      <div className="msg-card-body">
        <span className="msg-card-title">{label}</span>
        <span className="msg-card-sub">{t("msg.mediaUnavailable")}</span>
      </div>
    </div>
  );
}

function fileExtension(name: string | null, mime: string | null): string {
  const fromName = name?.includes(".") ? name.split(".").pop() : null;
  if (fromName && fromName.length <= 5) return fromName.toUpperCase();
  const fromMime = mime?.split("/").pop();
  return fromMime ? fromMime.toUpperCase().slice(0, 5) : "";
}

function formatCoord(n: number): string {
  return new Intl.NumberFormat(getLocale(), { maximumFractionDigits: 5, minimumFractionDigits: 4 }).format(n);
}

export function MessageContent({ m }: { m: MessageItem }) {
  const url = safeHttpUrl(m.file?.url);
  const fileName = m.file?.name ?? null;
  switch (m.type) {
    case "TEXT":
      return m.text ? <Caption text={m.text} /> : <p className="msg-text is-muted">{t("msg.noText")}</p>;

    case "IMAGE":
      return (
        <>
          {url ? (
            <a className="msg-media-link" href={url} target="_blank" rel="noopener noreferrer">
              <img className="msg-image" src={url} alt={fileName ?? t("msg.type.IMAGE")} loading="lazy" />
            </a>
          ) : (
            <Unavailable icon={ImageOff} label={t("msg.type.IMAGE")} />
          )}
          <Caption text={m.text} />
        </>
      );

    case "STICKER":
      return url ? (
        <img className="msg-sticker" src={url} alt={t("msg.type.STICKER")} loading="lazy" />
      ) : (
        <Unavailable icon={ImageOff} label={t("msg.type.STICKER")} />
      );

    case "AUDIO":
      return (
        <>
          {url ? (
            <audio className="msg-audio" controls preload="metadata" src={url} aria-label={t("msg.type.AUDIO")} />
          ) : (
            <Unavailable icon={Mic} label={t("msg.type.AUDIO")} />
          )}
          <Caption text={m.text} />
        </>
      );

    case "VIDEO":
      return (
        <>
          {url ? (
            <video className="msg-video" controls preload="metadata" src={url} aria-label={fileName ?? t("msg.type.VIDEO")} />
          ) : (
            <Unavailable icon={Film} label={t("msg.type.VIDEO")} />
          )}
          <Caption text={m.text} />
        </>
      );

    case "DOCUMENT": {
      const sub = [fileExtension(fileName, m.file?.mimeType ?? null), formatBytes(m.file?.size)].filter(Boolean).join(" · ");
      return (
        <>
          <div className="msg-card" data-testid="doc-card">
            <span className="msg-card-icon" aria-hidden="true">
              <FileText size={18} strokeWidth={1.75} />
            </span>
            <div className="msg-card-body">
              <span className="msg-card-title">{fileName ?? t("msg.untitledFile")}</span>
              <span className="msg-card-sub">{url ? sub : sub ? `${sub} · ${t("msg.mediaUnavailable")}` : t("msg.mediaUnavailable")}</span>
            </div>
            {url && (
              <a className="icon-btn" href={url} target="_blank" rel="noopener noreferrer" aria-label={t("msg.download")} title={t("msg.download")}>
                <ExternalLink size={15} strokeWidth={2} />
              </a>
            )}
          </div>
          <Caption text={m.text} />
        </>
      );
    }

    case "LOCATION": {
      const loc = m.location;
      if (!loc) return <Caption text={m.text ?? t("msg.type.LOCATION")} />;
      const lat = Number(loc.latitude);
      const lon = Number(loc.longitude);
      const valid = Number.isFinite(lat) && Number.isFinite(lon);
      const mapHref = valid ? `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}` : null;
      return (
        <>
          <div className="msg-card" data-testid="location-card">
            <span className="msg-card-icon" aria-hidden="true">
              <MapPin size={18} strokeWidth={1.75} />
            </span>
            <div className="msg-card-body">
              <span className="msg-card-title">{loc.name || t("msg.type.LOCATION")}</span>
              {loc.address && <span className="msg-card-sub">{loc.address}</span>}
              {valid && (
                <span className="msg-card-sub msg-mono">
                  {formatCoord(lat)}, {formatCoord(lon)}
                </span>
              )}
            </div>
            {mapHref && (
              <a className="icon-btn" href={mapHref} target="_blank" rel="noopener noreferrer" aria-label={t("msg.openMap")} title={t("msg.openMap")}>
                <ExternalLink size={15} strokeWidth={2} />
              </a>
            )}
          </div>
          <Caption text={m.text} />
        </>
      );
    }

    case "CONTACT":
    case "CONTACTS": {
      const c = m.contact;
      return (
        <>
          <div className="msg-card" data-testid="contact-card">
            <Avatar name={c?.name ?? null} size="sm" />
            <div className="msg-card-body">
              <span className="msg-card-title">{c?.name || t("msg.unnamedContact")}</span>
              <span className="msg-card-sub">{c?.phoneNumber || t("msg.type.CONTACT")}</span>
            </div>
          </div>
          {!c && <Caption text={m.text} />}
        </>
      );
    }

    case "LIST":
    case "BUTTONS":
    case "TEMPLATE": {
      const icon = m.type === "LIST" ? LayoutList : m.type === "BUTTONS" ? MousePointerClick : LayoutTemplate;
      return (
        <>
          <TypeHint icon={icon}>{messageTypeLabel(m.type).text}</TypeHint>
          <Caption text={m.text} />
        </>
      );
    }

    default: {
      const kind = messageTypeLabel(m.type);
      return (
        <>
          <TypeHint icon={CircleHelp} title={kind.title}>
            {kind.text}
          </TypeHint>
          <Caption text={m.text} />
          {url && (
            <a className="msg-link" href={url} target="_blank" rel="noopener noreferrer">
              {fileName ?? t("msg.download")}
            </a>
          )}
        </>
      );
    }
  }
}
