//! The one error type of `atende-core`.
//!
//! Every fallible core function returns [`Result`]. Each variant has a stable machine code
//! ([`Error::code`]) that crosses IPC unchanged, so the UI branches on the code and shows the
//! PT-BR message. Messages never include secrets (the API token is never formatted).

use std::time::Duration;

/// Errors the core can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed (I/O, constraint, corrupt file).
    #[error("erro no banco de dados local: {0}")]
    Database(#[from] rusqlite::Error),

    /// The database was written by a newer Atende; opening it could lose data.
    #[error(
        "o banco de dados local foi criado por uma versão mais nova do Atende (esquema {found}, \
         esta versão conhece até {supported}); atualize o aplicativo"
    )]
    SchemaTooNew { found: i64, supported: i64 },

    /// A migration failed to apply.
    #[error(
        "não foi possível atualizar o banco de dados local para o esquema {version}: {source}"
    )]
    Migration {
        version: i64,
        #[source]
        source: rusqlite::Error,
    },

    /// The server refused the token (HTTP 401).
    #[error("o token da API foi recusado pelo servidor")]
    Unauthorized,

    /// The server rate-limited us (HTTP 429) and retries ran out.
    #[error("limite de requisições da API atingido; nova tentativa em {}s", retry_after.map(|d| d.as_secs()).unwrap_or(0))]
    RateLimited { retry_after: Option<Duration> },

    /// The server answered with an error envelope.
    #[error("a API respondeu {status}: {text}")]
    Api {
        status: u16,
        key: Option<String>,
        text: String,
    },

    /// The server could not be reached (connection refused, DNS, timeout).
    #[error("sem conexão com o servidor: {0}")]
    Offline(String),

    /// The server could not be reached and the request never left (connection refused, DNS,
    /// connect timeout): unlike [`Error::Offline`], it certainly was not applied.
    #[error("sem conexão com o servidor: {0}")]
    NotSent(String),

    /// The server answered something we could not parse.
    #[error("resposta inválida do servidor em {context}: {detail}")]
    Decode { context: String, detail: String },

    /// A caller passed an argument the core cannot use.
    #[error("entrada inválida: {0}")]
    InvalidInput(String),

    /// The thing asked for does not exist locally.
    #[error("não encontrado: {0}")]
    NotFound(String),

    /// Bad configuration (base URL, missing account).
    #[error("configuração inválida: {0}")]
    Config(String),
}

impl Error {
    /// A stable, machine-readable code for the UI to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Database(_) => "database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Migration { .. } => "migration",
            Error::Unauthorized => "unauthorized",
            Error::RateLimited { .. } => "rate_limited",
            Error::Api { .. } => "http",
            Error::Offline(_) | Error::NotSent(_) => "offline",
            Error::Decode { .. } => "decode",
            Error::InvalidInput(_) => "invalid_input",
            Error::NotFound(_) => "not_found",
            Error::Config(_) => "config",
        }
    }

    /// Whether trying again later may succeed (network, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Offline(_) | Error::NotSent(_) | Error::RateLimited { .. } => true,
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_transience_is_classified() {
        let e = Error::SchemaTooNew {
            found: 9,
            supported: 1,
        };
        assert_eq!(e.code(), "schema_too_new");
        assert!(e.to_string().contains("versão mais nova"));
        assert!(Error::Offline("x".into()).is_transient());
        assert!(Error::NotSent("x".into()).is_transient());
        assert_eq!(Error::NotSent("x".into()).code(), "offline");
        assert!(Error::Api {
            status: 503,
            key: None,
            text: "x".into()
        }
        .is_transient());
        assert!(!Error::Api {
            status: 400,
            key: None,
            text: "x".into()
        }
        .is_transient());
        assert!(!Error::Unauthorized.is_transient());
    }
}
