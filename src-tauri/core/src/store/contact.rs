//! `contact`, `contact_tag` and `contact_field` tables: customers, their tags and custom-field
//! values, pulled incrementally from `GET /core/v1/contact` by `UpdatedAt`.
//!
//! Like sessions, a `dirty` row (changed by an outbox action) takes the next server copy even
//! with an unchanged raw, and an older copy never replaces a newer one; the outbox re-applies
//! pending actions on top (`outbox::apply::store_contact`).

use rusqlite::{params, Connection};

use crate::api::dto::{value_text, ContactDto};
use crate::error::Result;
use crate::time;

/// The digits worth searching a phone by: the full international number and the national one.
/// `+55|11999990000` gives `5511999990000 11999990000`.
pub fn phone_digits(phone: &str) -> String {
    let (country, national) = phone.split_once('|').unwrap_or(("", phone));
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let (cc, nat) = (digits(country), digits(national));
    if cc.is_empty() {
        nat
    } else {
        format!("{cc}{nat} {nat}")
    }
}

/// Inserts or updates one contact (raw JSON included) and replaces its tags and field values.
/// Returns whether the row changed.
pub fn upsert(c: &Connection, ct: &ContactDto, raw: &str) -> Result<bool> {
    let changed = c.prepare_cached(
        "INSERT INTO contact (id, name, phone, phone_display, phone_digits, email, instagram, status,
                              annotation, created_at, updated_at, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, phone = excluded.phone,
           phone_display = excluded.phone_display, phone_digits = excluded.phone_digits,
           email = excluded.email, instagram = excluded.instagram, status = excluded.status,
           annotation = excluded.annotation, created_at = excluded.created_at,
           updated_at = excluded.updated_at, raw = excluded.raw, dirty = 0
         WHERE (contact.raw IS NOT excluded.raw OR contact.dirty)
           AND (contact.updated_at IS NULL OR excluded.updated_at IS NULL
                OR excluded.updated_at >= contact.updated_at)",
    )?
    .execute(params![
        ct.id,
        ct.name,
        ct.phonenumber,
        ct.phonenumber_formatted,
        ct.phonenumber.as_deref().map(phone_digits),
        ct.email,
        ct.instagram,
        ct.status,
        ct.annotation,
        time::canonical(ct.created_at.as_deref()),
        time::canonical(ct.updated_at.as_deref()),
        raw
    ])?
        > 0;
    if !changed {
        // Same raw JSON: its tags, fields and memberships are the same too.
        return Ok(false);
    }
    if let Some(tags) = &ct.tags_id {
        c.prepare_cached("DELETE FROM contact_tag WHERE contact_id = ?1")?
            .execute([&ct.id])?;
        let mut ins = c.prepare_cached(
            "INSERT OR IGNORE INTO contact_tag (contact_id, tag_id) VALUES (?1, ?2)",
        )?;
        for t in tags {
            ins.execute([&ct.id, t])?;
        }
    }
    if let Some(fields) = &ct.custom_field_values {
        c.prepare_cached("DELETE FROM contact_field WHERE contact_id = ?1")?
            .execute([&ct.id])?;
        let mut ins = c.prepare_cached(
            "INSERT OR REPLACE INTO contact_field (contact_id, key, value) VALUES (?1, ?2, ?3)",
        )?;
        for (k, v) in fields {
            ins.execute(params![ct.id, k, value_text(v)])?;
        }
    }
    Ok(true)
}

/// Whether a contact exists locally.
pub fn exists(c: &Connection, id: &str) -> Result<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM contact WHERE id = ?1")?
        .exists(params![id])?)
}

/// Custom-field values of a contact, by key.
pub fn fields(c: &Connection, contact_id: &str) -> Result<Vec<(String, Option<String>)>> {
    let mut st = c.prepare_cached(
        "SELECT key, value FROM contact_field WHERE contact_id = ?1 ORDER BY key",
    )?;
    let rows = st.query_map([contact_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ids of contacts whose name or phone matches an FTS5 query, best first.
pub fn search(c: &Connection, fts_query: &str, limit: u32) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT contact.id FROM contact_fts JOIN contact ON contact.rowid = contact_fts.rowid
         WHERE contact_fts MATCH ?1 ORDER BY rank LIMIT ?2",
    )?;
    let rows = st.query_map(params![fts_query, limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn upsert_replaces_tags_and_fields_and_indexes_search() {
        let mut s = Store::open_in_memory().unwrap();
        let raw = r#"{"id":"c1","name":"Maria Souza","phonenumber":"+55|11987654321","tagsId":["a","b"],"customFieldValues":{"cidade":"Campinas","vip":true}}"#;
        let dto: ContactDto = serde_json::from_str(raw).unwrap();
        s.write(|tx| upsert(tx, &dto, raw)).unwrap();
        assert_eq!(crate::store::count(s.conn(), "contact_tag").unwrap(), 2);
        assert_eq!(
            fields(s.conn(), "c1").unwrap(),
            vec![
                ("cidade".into(), Some("Campinas".into())),
                ("vip".into(), Some("true".into()))
            ]
        );
        assert_eq!(search(s.conn(), "souza", 10).unwrap(), vec!["c1"]);
        assert_eq!(search(s.conn(), "11987*", 10).unwrap(), vec!["c1"]);

        let raw2 =
            r#"{"id":"c1","name":"Maria S. Lima","phonenumber":"+55|11987654321","tagsId":["b"]}"#;
        let dto2: ContactDto = serde_json::from_str(raw2).unwrap();
        s.write(|tx| upsert(tx, &dto2, raw2)).unwrap();
        assert_eq!(crate::store::count(s.conn(), "contact").unwrap(), 1);
        assert_eq!(crate::store::count(s.conn(), "contact_tag").unwrap(), 1);
        // Fields absent from the payload are left as they were.
        assert_eq!(fields(s.conn(), "c1").unwrap().len(), 2);
        assert!(search(s.conn(), "souza", 10).unwrap().is_empty());
        assert_eq!(search(s.conn(), "lima", 10).unwrap(), vec!["c1"]);
    }

    #[test]
    fn phone_digits_cover_national_and_international_forms() {
        assert_eq!(phone_digits("+55|11999990000"), "5511999990000 11999990000");
        assert_eq!(phone_digits("11 99999-0000"), "11999990000");
    }
}
