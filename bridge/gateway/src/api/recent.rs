//! The last failed requests per micro, for `retromesh describe` and the admin page.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;

/// How many failures are kept per micro.
pub const KEPT: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecentError {
    /// RFC 3339, UTC.
    pub time: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The first line of the answer.
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct RecentErrors {
    by_micro: Mutex<BTreeMap<String, VecDeque<RecentError>>>,
}

impl RecentErrors {
    /// Keeps `micros` only, so made-up names cannot grow the table.
    pub fn new<'a>(micros: impl IntoIterator<Item = &'a str>) -> Self {
        RecentErrors {
            by_micro: Mutex::new(
                micros
                    .into_iter()
                    .map(|m| (m.to_string(), VecDeque::new()))
                    .collect(),
            ),
        }
    }

    pub fn record(&self, micro: &str, method: &str, path: &str, status: u16, body: &[u8]) {
        let Ok(mut map) = self.by_micro.lock() else {
            return;
        };
        let Some(list) = map.get_mut(micro) else {
            return;
        };
        let reason: String = String::from_utf8_lossy(body)
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(160)
            .collect();
        if list.len() == KEPT {
            list.pop_front();
        }
        list.push_back(RecentError {
            time: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            method: method.to_string(),
            path: path.chars().take(200).collect(),
            status,
            reason,
        });
    }

    /// Oldest first.
    pub fn of(&self, micro: &str) -> Vec<RecentError> {
        self.by_micro
            .lock()
            .ok()
            .and_then(|m| m.get(micro).map(|l| l.iter().cloned().collect()))
            .unwrap_or_default()
    }
}
