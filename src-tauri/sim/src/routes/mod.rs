//! HTTP handlers, one file per area of the API, plus the small helpers they share
//! (JSON answers that report their item count to the stats layer, lenient JSON bodies).
//!
//! Handlers lock the [`World`](crate::World) once, compute the whole answer, and release the
//! lock before returning; nothing holds it across an `.await`.

pub(crate) mod actions;
pub(crate) mod contacts;
pub(crate) mod files;
pub(crate) mod messages;
pub(crate) mod reference;
pub(crate) mod sessions;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::stats::ItemCount;

/// A JSON answer.
pub(crate) fn json<T: Serialize>(v: &T) -> Response {
    axum::Json(v).into_response()
}

/// A JSON list answer (page envelope or plain array) that reports `items` to the stats.
pub(crate) fn list<T: Serialize>(v: &T, items: usize) -> Response {
    let mut r = axum::Json(v).into_response();
    r.extensions_mut().insert(ItemCount(items));
    r
}

/// Parses a JSON body; an empty body is `{}`.
pub(crate) fn body(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("Corpo da requisição inválido: {e}.")))?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "O corpo da requisição deve ser um objeto JSON.",
        ));
    }
    Ok(v)
}

/// A body field by name, ignoring case (ASP.NET binds JSON that way); `null` counts as absent.
pub(crate) fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// A string field (numbers and booleans are accepted and stringified).
pub(crate) fn str_field(v: &Value, name: &str) -> Result<Option<String>, ApiError> {
    match field(v, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(ApiError::invalid_param(name, &other.to_string())),
    }
}

/// A boolean field (default when absent).
pub(crate) fn bool_field(v: &Value, name: &str, default: bool) -> Result<bool, ApiError> {
    match field(v, name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(ApiError::invalid_param(name, &other.to_string())),
    }
}

/// A list of strings (`["a","b"]`, or a single string).
pub(crate) fn str_list(v: &Value, name: &str) -> Result<Vec<String>, ApiError> {
    match field(v, name) {
        None => Ok(vec![]),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(ApiError::invalid_param(name, &other.to_string())),
            })
            .collect(),
        Some(other) => Err(ApiError::invalid_param(name, &other.to_string())),
    }
}

/// A JSON value as the string stored for a custom field or template parameter.
pub(crate) fn value_to_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
