//! `GET /files/{id}/{name}`: the public media URLs that messages' `details.file.publicUrl`
//! point at. No auth, like real public file links; the bytes come from the bundled samples
//! with their real `Content-Type`. `?download=true` adds `Content-Disposition: attachment`.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, WorldError};
use crate::query::Query;
use crate::server::AppState;

pub async fn download(
    State(st): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (asset, mime, stored_name) = {
        let mut w = st.world();
        w.ensure_index();
        let f = w
            .file(&id)
            .ok_or_else(|| WorldError::not_found("file", id.as_str()))?;
        (f.asset, f.mime_type.clone(), f.name.clone())
    };
    let q = Query::parse(raw.as_deref());
    let download = q.bool("download").unwrap_or(None).unwrap_or(false);
    let mut resp = asset.bytes().into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    let disposition = if download { "attachment" } else { "inline" };
    let file_name = if name.is_empty() { stored_name } else { name };
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
