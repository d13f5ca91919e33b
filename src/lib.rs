//! Hookbench engine: the capture listener, the store, the control API and the
//! server that ties them together. Nothing here depends on Tauri: the desktop
//! app and the CLI are thin shells over [`server::Server`].

pub mod analysis;
pub mod api;
pub mod bindings;
pub mod capture;
pub mod config;
pub mod decode;
pub mod events;
pub mod interop;
pub mod model;
pub mod outbound;
pub mod prefs;
pub mod remote;
pub mod search;
pub mod server;
pub mod store;
pub mod template;
pub mod util;
