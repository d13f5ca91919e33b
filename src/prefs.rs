//! The desktop app's preferences: what a person chose in the settings dialog.
//! The desktop shell keeps them (in its preferences store); the engine only
//! defines them, so the UI's TypeScript type is generated like the others and
//! the rules live in one place.

use serde::{Deserialize, Serialize};

use crate::capture::listener::{ListenerError, check_max_body, parse_addr};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    Light,
    Dark,
}

/// Where and how the window was, to put it back there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WindowGeometry {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub maximized: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Preferences {
    /// The capture listener's `host:port` (none: the default, or `--capture-addr`).
    pub capture_addr: Option<String>,
    /// Largest body accepted, in bytes (none: the default, or `--max-body`).
    #[ts(type = "number | null")]
    pub max_body: Option<u64>,
    pub theme: Theme,
    /// A desktop notification on a new capture while the window is not focused.
    pub notifications: bool,
    /// The endpoint selected last: shown first, and the tray copies its URL.
    #[ts(type = "number | null")]
    pub last_endpoint_id: Option<i64>,
    /// Kept by the shell, not edited in the UI.
    pub window: Option<WindowGeometry>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            capture_addr: None,
            max_body: None,
            theme: Theme::System,
            notifications: true,
            last_endpoint_id: None,
            window: None,
        }
    }
}

/// A change from the UI: absent fields stay; `null` clears where that means "default".
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
pub struct PreferencesPatch {
    #[ts(optional)]
    #[serde(default, deserialize_with = "some")]
    pub capture_addr: Option<Option<String>>,
    #[ts(optional, type = "number | null")]
    #[serde(default, deserialize_with = "some")]
    pub max_body: Option<Option<u64>>,
    #[ts(optional)]
    pub theme: Option<Theme>,
    #[ts(optional)]
    pub notifications: Option<bool>,
    #[ts(optional, type = "number | null")]
    #[serde(default, deserialize_with = "some")]
    pub last_endpoint_id: Option<Option<i64>>,
}

/// `null` → `Some(None)`, absent → `None` (with `#[serde(default)]`).
fn some<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl Preferences {
    /// Apply `patch` after checking it; on error nothing changes.
    pub fn apply(&mut self, patch: &PreferencesPatch) -> Result<(), ListenerError> {
        if let Some(Some(addr)) = &patch.capture_addr {
            parse_addr(addr)?;
        }
        if let Some(Some(n)) = patch.max_body {
            check_max_body(n)?;
        }
        if let Some(v) = &patch.capture_addr {
            self.capture_addr = v.as_ref().map(|a| a.trim().to_owned());
        }
        if let Some(v) = patch.max_body {
            self.max_body = v;
        }
        if let Some(v) = patch.theme {
            self.theme = v;
        }
        if let Some(v) = patch.notifications {
            self.notifications = v;
        }
        if let Some(v) = patch.last_endpoint_id {
            self.last_endpoint_id = v;
        }
        Ok(())
    }

    /// Preferences as stored, forgiving: a field that no longer reads falls back to its default.
    pub fn from_json(v: &serde_json::Value) -> Preferences {
        serde_json::from_value(v.clone()).unwrap_or_else(|_| {
            let mut p = Preferences::default();
            let field = |k: &str| v.get(k).cloned().unwrap_or(serde_json::Value::Null);
            p.capture_addr = serde_json::from_value(field("capture_addr")).unwrap_or_default();
            p.max_body = serde_json::from_value(field("max_body")).unwrap_or_default();
            p.theme = serde_json::from_value(field("theme")).unwrap_or_default();
            p.notifications = serde_json::from_value(field("notifications")).unwrap_or(true);
            p.last_endpoint_id = serde_json::from_value(field("last_endpoint_id")).unwrap_or_default();
            p.window = serde_json::from_value(field("window")).unwrap_or_default();
            p
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_changes_only_what_it_names_and_null_clears() {
        let mut p = Preferences { capture_addr: Some("127.0.0.1:9000".into()), ..Default::default() };
        let patch: PreferencesPatch =
            serde_json::from_str(r#"{"theme":"dark","last_endpoint_id":7}"#).unwrap();
        p.apply(&patch).unwrap();
        assert_eq!(p.theme, Theme::Dark);
        assert_eq!(p.last_endpoint_id, Some(7));
        assert_eq!(p.capture_addr.as_deref(), Some("127.0.0.1:9000"));
        let patch: PreferencesPatch = serde_json::from_str(r#"{"capture_addr":null}"#).unwrap();
        p.apply(&patch).unwrap();
        assert_eq!(p.capture_addr, None);
        assert_eq!(p.theme, Theme::Dark);
    }

    #[test]
    fn a_bad_patch_changes_nothing() {
        let mut p = Preferences::default();
        let patch: PreferencesPatch =
            serde_json::from_str(r#"{"theme":"light","capture_addr":"nowhere"}"#).unwrap();
        let e = p.apply(&patch).unwrap_err().to_string();
        assert!(e.contains("nowhere"), "{e}");
        assert_eq!(p, Preferences::default());
        let patch: PreferencesPatch = serde_json::from_str(r#"{"max_body":5}"#).unwrap();
        assert!(p.apply(&patch).is_err());
    }

    #[test]
    fn stored_preferences_read_forgivingly() {
        let v = serde_json::json!({"theme": "purple", "notifications": false, "last_endpoint_id": 3});
        let p = Preferences::from_json(&v);
        assert_eq!(p.theme, Theme::System);
        assert!(!p.notifications);
        assert_eq!(p.last_endpoint_id, Some(3));
        assert_eq!(Preferences::from_json(&serde_json::json!(null)), Preferences::default());
    }
}
