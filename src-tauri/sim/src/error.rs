//! Errors of the simulator, one enum per boundary.
//!
//! - [`SimError`]: starting the simulator failed (bad config, port in use).
//! - [`WorldError`]: a [`World`](crate::World) mutation was refused (unknown id, invalid input,
//!   closed 24 h window). The HTTP layer maps each to a status code.
//! - [`FaultsError`]: a [`Faults`](crate::Faults) value was refused (bad JSON, a probability
//!   outside 0.0..=1.0).
//! - [`ApiError`]: an HTTP error answered with the API's error envelope (§1.3 of helena.md):
//!   `{id:{value,shortValue}, httpStatusCode, error:true, date, key, text, isUnsolvableError}`,
//!   `text` in Portuguese, plus `Retry-After` on 429 when configured. Its `date` is the
//!   simulated time of the request ([`clock::utc_now`](crate::clock::utc_now)).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::ts;

/// Starting the simulator failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulator config: {0}")]
    Config(String),
    #[error("could not bind 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("seeding task failed: {0}")]
    Seed(String),
}

/// A [`Faults`](crate::Faults) value was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultsError {
    #[error("invalid faults JSON: {0}")]
    Json(String),
    #[error("{field} must be a probability between 0.0 and 1.0 (got {value})")]
    Probability { field: &'static str, value: f64 },
}

/// A [`World`](crate::World) mutation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("the 24 h window of session {0} is not active: free text is not allowed")]
    WindowClosed(String),
}

impl WorldError {
    pub(crate) fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        WorldError::NotFound {
            kind,
            id: id.into(),
        }
    }
}

/// An HTTP error answered with the API's envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {key}: {text}")]
pub struct ApiError {
    pub status: StatusCode,
    pub key: &'static str,
    pub text: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, key: &'static str, text: impl Into<String>) -> Self {
        ApiError {
            status,
            key,
            text: text.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "ERROR_UNAUTHORIZED",
            "Token de acesso ausente ou inválido.",
        )
    }

    pub fn bad_request(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ERROR_BAD_REQUEST", text)
    }

    pub fn invalid_param(name: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ERROR_INVALID_PARAMETER",
            format!("O valor '{value}' não é válido para o parâmetro '{name}'."),
        )
    }

    pub fn missing_prefix() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ERROR_INVALID_SERVICE",
            "Rota sem o prefixo de serviço (/core, /chat ou /crm seguido da versão).",
        )
    }

    pub fn not_found(text: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ERROR_NOT_FOUND", text)
    }

    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ERROR_ROUTE_NOT_FOUND",
            "Recurso não encontrado.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "ERROR_METHOD_NOT_ALLOWED",
            "Método não permitido para este recurso.",
        )
    }

    pub fn too_many_requests(retry_after: Option<u64>) -> Self {
        ApiError {
            retry_after,
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "ERROR_TOO_MANY_REQUESTS",
                "Limite de requisições excedido. Aguarde e tente novamente.",
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERROR_INTERNAL",
            "Erro interno do servidor. Tente novamente em instantes.",
        )
    }

    pub fn bad_gateway() -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "ERROR_BAD_GATEWAY",
            "Falha temporária de comunicação entre os servidores. Tente novamente.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ERROR_SERVICE_UNAVAILABLE",
            "Serviço temporariamente indisponível.",
        )
    }

    /// The §1.3 envelope as JSON.
    pub fn envelope(&self) -> serde_json::Value {
        let id = uuid::Uuid::new_v4();
        let short = id.simple().to_string()[..8].to_uppercase();
        json!({
            "id": { "value": id.to_string(), "shortValue": short },
            "httpStatusCode": self.status.as_u16(),
            "error": true,
            "date": ts::format(&crate::clock::utc_now()),
            "key": self.key,
            "text": self.text,
            // Every 5xx the simulator answers is a simulated transient failure (offline
            // switch, injected faults): retrying can succeed.
            "isUnsolvableError": false,
        })
    }
}

impl From<WorldError> for ApiError {
    fn from(e: WorldError) -> Self {
        match e {
            WorldError::NotFound { kind, id } => ApiError::not_found(format!(
                "{} não encontrado: {id}.",
                match kind {
                    "session" => "Atendimento",
                    "contact" => "Contato",
                    "message" => "Mensagem",
                    "note" => "Nota",
                    "agent" => "Agente",
                    "department" => "Departamento",
                    "tag" => "Etiqueta",
                    "template" => "Modelo de mensagem",
                    "file" => "Arquivo",
                    _ => "Registro",
                }
            )),
            WorldError::Invalid(text) => ApiError::bad_request(text),
            WorldError::WindowClosed(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "ERROR_SESSION_WINDOW_CLOSED",
                "A janela de 24 horas desta conversa não está ativa: envie um modelo de mensagem (template).",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.envelope())).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}
