//! Query-string parsing, paging and ordering, the way the API's list GETs take them (§1.1).
//!
//! Parsed by hand from the raw query string (not `serde`'s `Query`) because the API binds
//! parameters like ASP.NET does: names are case-insensitive, a list is the parameter repeated
//! (`Status=A&Status=B`, also `Status[]=A`), and `<Field>.After` / `<Field>.Before` carry
//! dots. Dates are RFC 3339; `.After` is inclusive (`>=`), `.Before` exclusive (`<`), so
//! consecutive windows `[T0, T1)`, `[T1, T2)` never see an item twice. Ordering always
//! tie-breaks on `id`, so paging is stable when many items share a timestamp.
//!
//! The `duplicate_across_pages` fault reaches the paging code through an internal parameter
//! ([`PAGE_SHIFT_PARAM`], set by the gate, stripped from client requests): the page starts that
//! many items early, and `hasMorePages` / `totalPages` follow, so no item is skipped.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::error::ApiError;

/// The parsed query string: `(lower-cased name without [], value)` pairs in order.
#[derive(Clone, Debug, Default)]
pub struct Query {
    params: Vec<(String, String)>,
}

impl Query {
    /// Parses `a=1&B[]=2&b=3` (percent-decoding, `+` = space).
    pub fn parse(raw: Option<&str>) -> Query {
        let params = raw
            .map(|raw| {
                url::form_urlencoded::parse(raw.as_bytes())
                    .map(|(k, v)| (normalize_name(&k), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { params }
    }

    /// The first value of `name` (case-insensitive), if present and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.params
            .iter()
            .find(|(k, v)| *k == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, repeated or comma-separated, trimmed, blanks dropped.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.params
            .iter()
            .filter(|(k, _)| *k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Every value of `name` parsed as an enum; an unknown value is a 400.
    pub fn enums<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Vec<T>, ApiError> {
        self.all(name)
            .into_iter()
            .map(|v| parse(v).ok_or_else(|| ApiError::invalid_param(name, v)))
            .collect()
    }

    /// A boolean parameter (`true`/`false`, any case).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_param(name, v)),
        }
    }

    /// `<field>.After` / `<field>.Before`.
    pub fn date_range(&self, field: &str) -> Result<DateRange, ApiError> {
        let parse = |suffix: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
            let name = format!("{field}.{suffix}");
            self.get(&name)
                .map(|v| parse_date(v).ok_or_else(|| ApiError::invalid_param(&name, v)))
                .transpose()
        };
        Ok(DateRange {
            after: parse("After")?,
            before: parse("Before")?,
        })
    }

    /// `PageNumber`, `PageSize`, `OrderBy`, `OrderDirection`, validated.
    /// `Page` is accepted as an alias of `PageNumber` (a quirk seen in client code, §1.1).
    pub fn paging(&self, default_order: OrderField) -> Result<Paging, ApiError> {
        let int = |name: &str| -> Result<Option<i64>, ApiError> {
            self.get(name)
                .map(|v| {
                    v.trim()
                        .parse::<i64>()
                        .map_err(|_| ApiError::invalid_param(name, v))
                })
                .transpose()
        };
        let page_number = match int("PageNumber")? {
            Some(n) => n,
            None => int("Page")?.unwrap_or(1),
        };
        if page_number < 1 {
            return Err(ApiError::bad_request(format!(
                "PageNumber deve ser maior ou igual a 1 (recebido: {page_number})."
            )));
        }
        let page_size = int("PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE as i64);
        if !(1..=MAX_PAGE_SIZE as i64).contains(&page_size) {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "ERROR_INVALID_PAGE_SIZE",
                format!("PageSize deve estar entre 1 e {MAX_PAGE_SIZE} (recebido: {page_size})."),
            ));
        }
        let order_by = match self.get("OrderBy") {
            None => default_order,
            Some(v) => OrderField::parse(v).ok_or_else(|| ApiError::invalid_param("OrderBy", v))?,
        };
        let direction = match self.get("OrderDirection") {
            None => OrderDirection::Ascending,
            Some(v) => OrderDirection::parse(v)
                .ok_or_else(|| ApiError::invalid_param("OrderDirection", v))?,
        };
        let shift = self
            .get(PAGE_SHIFT_PARAM)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        Ok(Paging {
            page_number: page_number as u32,
            page_size: page_size as u32,
            order_by,
            direction,
            shift,
        })
    }
}

/// `Status[]` -> `status`; `Status[0]` -> `status`.
fn normalize_name(k: &str) -> String {
    let k = k.trim();
    let k = match k.find('[') {
        Some(i) if k.ends_with(']') => &k[..i],
        _ => k,
    };
    k.to_ascii_lowercase()
}

/// RFC 3339 (`2024-06-01T10:00:00Z`, `...+00:00`, fractions). Also, leniently: a `+` offset
/// that arrived as a space (unencoded `+` in the query), a date-time without offset (taken
/// as UTC, "date filters are always UTC"), and a bare date (midnight UTC).
pub fn parse_date(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    let plus = v.replace(' ', "+");
    if let Ok(t) = DateTime::parse_from_rfc3339(&plus) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// A `[after, before)` filter on one date field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

impl DateRange {
    pub fn is_open(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }

    /// Whether `t` passes. A missing date passes only when there is no filter.
    pub fn contains(&self, t: Option<DateTime<Utc>>) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(t) = t else { return false };
        self.after.is_none_or(|a| t >= a) && self.before.is_none_or(|b| t < b)
    }
}

/// The internal query parameter (lower case) carrying a page's shift (see the module docs).
pub const PAGE_SHIFT_PARAM: &str = "__atende_sim_page_shift";

pub const DEFAULT_PAGE_SIZE: u32 = 15;
pub const MAX_PAGE_SIZE: u32 = 100;

/// Accepted `OrderBy` values (case-insensitive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderField {
    CreatedAt,
    UpdatedAt,
    /// Session `lastInteractionDate`.
    LastInteractionAt,
    Name,
    Id,
}

impl OrderField {
    pub fn parse(v: &str) -> Option<Self> {
        let v = v.trim();
        [
            ("CreatedAt", OrderField::CreatedAt),
            ("UpdatedAt", OrderField::UpdatedAt),
            ("LastInteractionAt", OrderField::LastInteractionAt),
            ("LastInteractionDate", OrderField::LastInteractionAt),
            ("Name", OrderField::Name),
            ("Id", OrderField::Id),
        ]
        .into_iter()
        .find(|(s, _)| v.eq_ignore_ascii_case(s))
        .map(|(_, f)| f)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderField::CreatedAt => "CreatedAt",
            OrderField::UpdatedAt => "UpdatedAt",
            OrderField::LastInteractionAt => "LastInteractionAt",
            OrderField::Name => "Name",
            OrderField::Id => "Id",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    Ascending,
    Descending,
}

impl OrderDirection {
    pub fn parse(v: &str) -> Option<Self> {
        let v = v.trim();
        if v.eq_ignore_ascii_case("ASCENDING") || v.eq_ignore_ascii_case("ASC") {
            Some(OrderDirection::Ascending)
        } else if v.eq_ignore_ascii_case("DESCENDING") || v.eq_ignore_ascii_case("DESC") {
            Some(OrderDirection::Descending)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderDirection::Ascending => "ASCENDING",
            OrderDirection::Descending => "DESCENDING",
        }
    }
}

/// Validated paging and ordering of one list call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page_number: u32,
    pub page_size: u32,
    pub order_by: OrderField,
    pub direction: OrderDirection,
    /// How many items the page starts before `(page_number - 1) × page_size` (the
    /// `duplicate_across_pages` fault; 0 normally).
    pub shift: u64,
}

/// A value to order by. `None` sorts first when ascending.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey<'a> {
    Time(Option<DateTime<Utc>>),
    Text(Option<&'a str>),
}

impl Paging {
    /// Sorts `items` by `key` in the requested direction, ties broken by ascending `id`.
    /// `key` returns `None` when the entity has no such field (a 400 for the caller).
    pub fn sort<'a, T>(
        &self,
        items: &mut [&'a T],
        key: impl Fn(&'a T, OrderField) -> Option<SortKey<'a>>,
        id: impl Fn(&'a T) -> &'a str,
    ) -> Result<(), ApiError> {
        if let Some(first) = items.first() {
            if key(first, self.order_by).is_none() {
                return Err(ApiError::invalid_param("OrderBy", self.order_by.as_str()));
            }
        }
        let dir = self.direction;
        let field = self.order_by;
        items.sort_by(|a, b| {
            let primary = match (key(a, field), key(b, field)) {
                (Some(x), Some(y)) => cmp_keys(&x, &y),
                _ => Ordering::Equal,
            };
            let primary = if dir == OrderDirection::Descending {
                primary.reverse()
            } else {
                primary
            };
            primary.then_with(|| id(a).cmp(id(b)))
        });
        Ok(())
    }

    /// Cuts one page out of the sorted `items` (starting `shift` items early).
    pub fn page<T, U>(&self, items: &[T], map: impl FnMut(&T) -> U) -> Page<U> {
        let total = items.len() as u64;
        let size = u64::from(self.page_size);
        let start = (u64::from(self.page_number) - 1)
            .saturating_mul(size)
            .saturating_sub(self.shift);
        // With a shift the walk needs more pages: page n is the last once n × size covers
        // `total + shift` items (the same test as `end >= total`).
        let total_pages = total.saturating_add(self.shift).div_ceil(size);
        let end = (start + size).min(total);
        let slice = if start >= total {
            &items[0..0]
        } else {
            &items[start as usize..end as usize]
        };
        Page {
            page_number: self.page_number,
            page_size: self.page_size,
            order_by: self.order_by.as_str(),
            order_direction: self.direction.as_str(),
            items: slice.iter().map(map).collect(),
            total_items: total,
            total_pages,
            has_more_pages: start < total && end < total,
        }
    }
}

fn cmp_keys(a: &SortKey<'_>, b: &SortKey<'_>) -> Ordering {
    match (a, b) {
        (SortKey::Text(Some(x)), SortKey::Text(Some(y))) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y)),
        _ => a.cmp(b),
    }
}

/// The §1.1 page envelope.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub page_number: u32,
    pub page_size: u32,
    pub order_by: &'static str,
    pub order_direction: &'static str,
    pub items: Vec<T>,
    pub total_items: u64,
    pub total_pages: u64,
    pub has_more_pages: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_are_case_insensitive_and_lists_repeat() {
        let q = Query::parse(Some(
            "status=PENDING&Status=IN_PROGRESS&STATUS[]=COMPLETED&includeDetails=ContactDetails,AgentDetails&x=",
        ));
        assert_eq!(q.all("Status"), ["PENDING", "IN_PROGRESS", "COMPLETED"]);
        assert_eq!(q.all("IncludeDetails"), ["ContactDetails", "AgentDetails"]);
        assert_eq!(q.get("STATUS"), Some("PENDING"));
        assert_eq!(q.get("x"), None);
        assert_eq!(q.get("missing"), None);
        let statuses = q
            .enums("Status", crate::model::SessionStatus::parse)
            .unwrap();
        assert_eq!(statuses.len(), 3);
        let bad = Query::parse(Some("Status=OPEN"));
        let err = bad
            .enums("Status", crate::model::SessionStatus::parse)
            .unwrap_err();
        assert_eq!(err.status, 400);
    }

    #[test]
    fn percent_decoding_and_plus() {
        let q = Query::parse(Some(
            "Name=Jo%C3%A3o+Silva&UpdatedAt.After=2024-06-01T10:00:00+00:00",
        ));
        assert_eq!(q.get("name"), Some("João Silva"));
        // An unencoded '+' becomes a space; the date parser copes.
        let r = q.date_range("UpdatedAt").unwrap();
        assert_eq!(
            r.after,
            Some(Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap())
        );
    }

    #[test]
    fn date_formats() {
        let t = Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap();
        assert_eq!(parse_date("2024-06-01T10:00:00Z"), Some(t));
        assert_eq!(parse_date("2024-06-01T10:00:00.000Z"), Some(t));
        assert_eq!(parse_date("2024-06-01T07:00:00-03:00"), Some(t));
        assert_eq!(parse_date("2024-06-01T10:00:00"), Some(t));
        assert_eq!(
            parse_date("2024-06-01"),
            Some(Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_date("ontem"), None);
        assert_eq!(parse_date("2024-13-01T00:00:00Z"), None);
    }

    #[test]
    fn date_filters_are_after_inclusive_before_exclusive() {
        let t0 = Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap();
        let t1 = Utc.with_ymd_and_hms(2024, 6, 1, 11, 0, 0).unwrap();
        let q = Query::parse(Some(
            "UpdatedAt.After=2024-06-01T10:00:00Z&UpdatedAt.Before=2024-06-01T11:00:00Z",
        ));
        let r = q.date_range("updatedat").unwrap();
        assert!(r.contains(Some(t0)));
        assert!(!r.contains(Some(t1)));
        assert!(r.contains(Some(t1 - chrono::Duration::milliseconds(1))));
        assert!(!r.contains(Some(t0 - chrono::Duration::milliseconds(1))));
        assert!(!r.contains(None));
        assert!(DateRange::default().contains(None));
        let bad = Query::parse(Some("CreatedAt.After=amanha"));
        let err = bad.date_range("CreatedAt").unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.key, "ERROR_INVALID_PARAMETER");
    }

    #[test]
    fn paging_defaults_and_validation() {
        let p = Query::parse(None).paging(OrderField::CreatedAt).unwrap();
        assert_eq!(
            p,
            Paging {
                page_number: 1,
                page_size: 15,
                order_by: OrderField::CreatedAt,
                direction: OrderDirection::Ascending,
                shift: 0,
            }
        );
        let p = Query::parse(Some(
            "pagesize=100&pagenumber=3&orderby=lastinteractionat&orderdirection=descending",
        ))
        .paging(OrderField::CreatedAt)
        .unwrap();
        assert_eq!((p.page_number, p.page_size), (3, 100));
        assert_eq!(p.order_by, OrderField::LastInteractionAt);
        assert_eq!(p.direction, OrderDirection::Descending);
        assert_eq!(
            Query::parse(Some("Page=4"))
                .paging(OrderField::Id)
                .unwrap()
                .page_number,
            4
        );
        for bad in [
            "PageSize=101",
            "PageSize=0",
            "PageSize=-5",
            "PageSize=abc",
            "PageNumber=0",
            "OrderBy=Color",
            "OrderDirection=UP",
        ] {
            let err = Query::parse(Some(bad))
                .paging(OrderField::CreatedAt)
                .unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
        }
    }

    #[test]
    fn page_math() {
        let items: Vec<u32> = (0..31).collect();
        let mk = |n| Paging {
            page_number: n,
            page_size: 15,
            order_by: OrderField::Id,
            direction: OrderDirection::Ascending,
            shift: 0,
        };
        let p1 = mk(1).page(&items, |x| *x);
        assert_eq!(
            (
                p1.items.len(),
                p1.total_items,
                p1.total_pages,
                p1.has_more_pages
            ),
            (15, 31, 3, true)
        );
        let p3 = mk(3).page(&items, |x| *x);
        assert_eq!((p3.items, p3.has_more_pages), (vec![30], false));
        let p4 = mk(4).page(&items, |x| *x);
        assert!(p4.items.is_empty() && !p4.has_more_pages);
        let empty: Vec<u32> = vec![];
        let p = mk(1).page(&empty, |x| *x);
        assert_eq!((p.total_pages, p.has_more_pages), (0, false));
        let exact: Vec<u32> = (0..30).collect();
        assert!(!mk(2).page(&exact, |x| *x).has_more_pages);
    }

    #[test]
    fn a_shifted_page_starts_early_and_the_walk_lasts_longer() {
        let items: Vec<u32> = (0..30).collect();
        let mk = |n, shift| Paging {
            page_number: n,
            page_size: 15,
            order_by: OrderField::Id,
            direction: OrderDirection::Ascending,
            shift,
        };
        // Page 2 repeats the last 2 items of page 1 and still has one item to go.
        let p2 = mk(2, 2).page(&items, |x| *x);
        assert_eq!(p2.items, (13..28).collect::<Vec<_>>());
        assert!(p2.has_more_pages);
        assert_eq!(p2.total_pages, 3);
        assert_eq!(p2.total_items, 30);
        let p3 = mk(3, 3).page(&items, |x| *x);
        assert_eq!(p3.items, (27..30).collect::<Vec<_>>());
        assert!(!p3.has_more_pages);
        let q = Query::parse(Some("PageNumber=2&__atende_sim_page_shift=4"))
            .paging(OrderField::Id)
            .unwrap();
        assert_eq!(q.shift, 4);
    }

    #[test]
    fn sort_is_stable_by_id_and_honours_direction() {
        struct It {
            id: &'static str,
            t: Option<DateTime<Utc>>,
        }
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let data = [
            It {
                id: "c",
                t: Some(t),
            },
            It {
                id: "a",
                t: Some(t),
            },
            It {
                id: "b",
                t: Some(t + chrono::Duration::seconds(1)),
            },
            It { id: "d", t: None },
        ];
        let mut refs: Vec<&It> = data.iter().collect();
        let mut p = Paging {
            page_number: 1,
            page_size: 15,
            order_by: OrderField::UpdatedAt,
            direction: OrderDirection::Ascending,
            shift: 0,
        };
        let key = |x: &It, f: OrderField| match f {
            OrderField::UpdatedAt => Some(SortKey::Time(x.t)),
            _ => None,
        };
        p.sort(&mut refs, key, |x| x.id).unwrap();
        assert_eq!(refs.iter().map(|x| x.id).collect::<String>(), "dacb");
        p.direction = OrderDirection::Descending;
        p.sort(&mut refs, key, |x| x.id).unwrap();
        assert_eq!(refs.iter().map(|x| x.id).collect::<String>(), "bacd");
        p.order_by = OrderField::Name;
        assert!(p.sort(&mut refs, key, |x| x.id).is_err());
    }
}
