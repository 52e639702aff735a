//! `quick_message` table: canned replies ("mensagens rápidas"). The Helena API does not expose
//! them (helena.md §3), so they live only in the local store.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// One canned reply, typed after `/` in the composer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuickMessage {
    pub id: i64,
    pub shortcut: String,
    pub title: String,
    pub text: String,
}

fn validate(shortcut: &str, text: &str) -> Result<()> {
    if shortcut.trim().is_empty() || shortcut.chars().any(char::is_whitespace) {
        return Err(Error::InvalidInput(
            "o atalho não pode ser vazio nem ter espaços".into(),
        ));
    }
    if text.trim().is_empty() {
        return Err(Error::InvalidInput(
            "o texto da mensagem rápida está vazio".into(),
        ));
    }
    Ok(())
}

/// Creates or replaces the reply with this shortcut; returns its id.
pub fn save(c: &Connection, shortcut: &str, title: &str, text: &str) -> Result<i64> {
    validate(shortcut, text)?;
    let now = crate::time::format(chrono::Utc::now());
    Ok(c.prepare_cached(
        "INSERT INTO quick_message (shortcut, title, text, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT(shortcut) DO UPDATE SET title = excluded.title, text = excluded.text,
               updated_at = excluded.updated_at
             RETURNING id",
    )?
    .query_row(params![shortcut.trim(), title.trim(), text, now], |r| {
        r.get(0)
    })?)
}

/// Replies whose shortcut or title starts with `prefix`, by shortcut.
pub fn find(c: &Connection, prefix: &str) -> Result<Vec<QuickMessage>> {
    let like = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut st = c.prepare_cached(
        "SELECT id, shortcut, title, text FROM quick_message
         WHERE shortcut LIKE ?1 ESCAPE '\\' OR title LIKE ?1 ESCAPE '\\' ORDER BY shortcut",
    )?;
    let rows = st.query_map([like], |r| {
        Ok(QuickMessage {
            id: r.get(0)?,
            shortcut: r.get(1)?,
            title: r.get(2)?,
            text: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a reply; `NotFound` when it does not exist.
pub fn delete(c: &Connection, id: i64) -> Result<()> {
    let n = c
        .prepare_cached("DELETE FROM quick_message WHERE id = ?1")?
        .execute([id])?;
    if n == 0 {
        return Err(Error::NotFound(format!("mensagem rápida {id}")));
    }
    Ok(())
}

/// Whether any reply exists (demo mode seeds a few into an empty store).
pub fn is_empty(c: &Connection) -> Result<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM quick_message LIMIT 1")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn save_find_replace_delete() {
        let mut s = Store::open_in_memory().unwrap();
        assert!(is_empty(s.conn()).unwrap());
        let id = s
            .write(|tx| save(tx, "ola", "Saudação", "Olá! Como posso ajudar?"))
            .unwrap();
        s.write(|tx| save(tx, "pix", "Chave Pix", "Nossa chave Pix é o CNPJ."))
            .unwrap();
        let again = s
            .write(|tx| save(tx, "ola", "Saudação", "Oi! Em que posso ajudar?"))
            .unwrap();
        assert_eq!(id, again);
        let found = find(s.conn(), "ol").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "Oi! Em que posso ajudar?");
        assert_eq!(find(s.conn(), "").unwrap().len(), 2);
        assert!(find(s.conn(), "%").unwrap().is_empty());
        assert_eq!(
            s.write(|tx| save(tx, "com espaço", "x", "y"))
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        s.write(|tx| delete(tx, id)).unwrap();
        assert_eq!(
            s.write(|tx| delete(tx, id)).unwrap_err().code(),
            "not_found"
        );
    }
}
