//! Tiny genuine media samples compiled into the binary.
//!
//! Seeded IMAGE/STICKER/AUDIO/VIDEO/DOCUMENT messages point their `details.file.publicUrl` at
//! `{base_url}/files/{id}/{name}`, and the simulator answers those URLs with these bytes, so
//! the app can render thumbnails, play audio and open documents in demo mode without any
//! network. The files in `assets/` were made once with ImageMagick (`photo.jpg`,
//! `sticker.webp`), sox + ffmpeg/libopus (`audio.ogg`, 1.2 s), ffmpeg/libx264 (`video.mp4`,
//! 1 s, 96x64) and by hand (`document.pdf`, one page); together they are under 16 KB.

use serde::{Deserialize, Serialize};

use crate::model::FileType;

/// Which bundled sample a stored file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Asset {
    Photo,
    Sticker,
    Audio,
    Video,
    Document,
}

impl Asset {
    /// The file's bytes.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Asset::Photo => include_bytes!("../assets/photo.jpg"),
            Asset::Sticker => include_bytes!("../assets/sticker.webp"),
            Asset::Audio => include_bytes!("../assets/audio.ogg"),
            Asset::Video => include_bytes!("../assets/video.mp4"),
            Asset::Document => include_bytes!("../assets/document.pdf"),
        }
    }

    /// The `Content-Type` / `mimeType`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Asset::Photo => "image/jpeg",
            Asset::Sticker => "image/webp",
            Asset::Audio => "audio/ogg",
            Asset::Video => "video/mp4",
            Asset::Document => "application/pdf",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Asset::Photo => "jpg",
            Asset::Sticker => "webp",
            Asset::Audio => "ogg",
            Asset::Video => "mp4",
            Asset::Document => "pdf",
        }
    }

    /// `PublicFileDTO.type`.
    pub fn file_type(self) -> FileType {
        match self {
            Asset::Photo | Asset::Sticker => FileType::Image,
            Asset::Audio => FileType::Audio,
            Asset::Video => FileType::Video,
            Asset::Document => FileType::Pdf,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_have_the_right_magic_numbers() {
        assert!(Asset::Photo.bytes().starts_with(&[0xFF, 0xD8, 0xFF]));
        let webp = Asset::Sticker.bytes();
        assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP");
        assert!(Asset::Audio.bytes().starts_with(b"OggS"));
        assert_eq!(&Asset::Video.bytes()[4..8], b"ftyp");
        let pdf = Asset::Document.bytes();
        assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF\n"));
    }
}
