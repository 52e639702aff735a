//! What the UI shows about sync (IPC `SyncStatus`): the coarse state, and during a pass what
//! has been stored so far per entity, with the server's total where it says one.
//!
//! The counters are *honest*: `stored` counts the items stored in the running pass, `total` is
//! the sum of the totals the server gave on the first page of each window walked for the entity
//! (a keyed walk narrows its window page by page, so later pages report fewer items left), and
//! it never shrinks nor falls below `stored`. `first_sync` is true only during the first pass
//! that has ever run on the workspace's store and turns false when that pass ends, so the UI can
//! show a first-sync indicator and leave routine polls quiet.

use serde::Serialize;

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: SyncState,
    /// The entity being pulled right now, during a pass.
    pub phase: Option<SyncEntity>,
    /// Whether the running pass is the first one of this workspace (nothing synced before).
    pub first_sync: bool,
    /// Per entity, what the running pass stored so far (empty between passes).
    pub entities: Vec<EntityProgress>,
    /// When the last pass succeeded (canonical UTC).
    pub last_sync_at: Option<String>,
    pub error: Option<SyncError>,
    /// Agent actions not yet delivered (pending, in flight or uncertain).
    pub pending: i64,
    /// Agent actions that failed for good and wait for the agent (retry or discard).
    pub failed: i64,
    /// While rate-limited: seconds until the account may send again.
    pub resume_in_secs: Option<u64>,
}

/// Coarse sync state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    /// Connected and up to date (between passes).
    Online,
    /// A pass is running.
    Syncing,
    /// The server cannot be reached; local work goes on and actions wait in the outbox.
    Offline,
    /// The server answered 429; the whole account waits (`resume_in_secs`).
    RateLimited,
    /// The last pass failed for another reason (e.g. the token was refused).
    Error,
}

/// What a pass pulls, in the order it pulls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncEntity {
    /// Agents, teams, tags, channels, templates, custom fields.
    Reference,
    Sessions,
    Contacts,
    Messages,
    Notes,
}

/// Items of one entity stored so far in the running pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EntityProgress {
    pub entity: SyncEntity,
    pub stored: u64,
    /// The server's total where it gives one; never below `stored`, never shrinking.
    pub total: Option<u64>,
}

/// The last error, as code + PT-BR message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncError {
    pub code: String,
    pub message: String,
}

impl Default for SyncStatus {
    fn default() -> Self {
        SyncStatus {
            state: SyncState::Online,
            phase: None,
            first_sync: false,
            entities: Vec::new(),
            last_sync_at: None,
            error: None,
            pending: 0,
            failed: 0,
            resume_in_secs: None,
        }
    }
}

impl SyncStatus {
    /// Counts `stored` more items of `entity` in the running pass, and `total` more items the
    /// server announced for it (the first page of a window), and makes it the current phase.
    pub fn record(&mut self, entity: SyncEntity, stored: u64, total: Option<u64>) {
        self.state = SyncState::Syncing;
        self.phase = Some(entity);
        let i = match self.entities.iter().position(|p| p.entity == entity) {
            Some(i) => i,
            None => {
                self.entities.push(EntityProgress {
                    entity,
                    stored: 0,
                    total: None,
                });
                self.entities.len() - 1
            }
        };
        let p = &mut self.entities[i];
        p.stored += stored;
        let announced = p.total.map_or(total, |t| Some(t + total.unwrap_or(0)));
        p.total = announced.map(|t| t.max(p.stored));
        self.entities.sort_by_key(|p| p.entity);
    }

    /// The pass ended (well or not): no phase, no counters, not the first sync any more when
    /// it succeeded.
    pub fn end_pass(&mut self, succeeded: bool) {
        self.phase = None;
        self.entities.clear();
        if succeeded {
            self.first_sync = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_per_window_and_never_fall_below_what_is_stored() {
        let mut s = SyncStatus::default();
        // Contacts: three windows (one per status), each announcing its total on page 1.
        s.record(SyncEntity::Contacts, 0, Some(700));
        s.record(SyncEntity::Contacts, 100, None);
        s.record(SyncEntity::Contacts, 600, None);
        s.record(SyncEntity::Contacts, 0, Some(80));
        s.record(SyncEntity::Contacts, 80, None);
        s.record(SyncEntity::Sessions, 20, Some(10));
        assert_eq!(s.phase, Some(SyncEntity::Sessions));
        assert_eq!(
            s.entities,
            vec![
                EntityProgress {
                    entity: SyncEntity::Sessions,
                    stored: 20,
                    total: Some(20)
                },
                EntityProgress {
                    entity: SyncEntity::Contacts,
                    stored: 780,
                    total: Some(780)
                },
            ]
        );
        s.end_pass(true);
        assert!(s.entities.is_empty() && s.phase.is_none() && !s.first_sync);
    }

    #[test]
    fn a_failed_pass_stays_the_first_sync() {
        let mut s = SyncStatus {
            first_sync: true,
            ..SyncStatus::default()
        };
        s.record(SyncEntity::Messages, 5, None);
        s.end_pass(false);
        assert!(s.first_sync);
    }
}
