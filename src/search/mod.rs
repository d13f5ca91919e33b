//! Search, duplicate deliveries and payload dialects (issue 4).
//!
//! - [`query`]: the field-query language (`method:POST path:/orders* -status:2xx`).
//! - [`sql`]: a parsed query as a parameterised SQL condition.
//! - [`body`]: `body.<path>:` and `header.<name>:` matching, as SQL functions.
//! - [`dialect`]: HighLevel marketplace events vs workflow "Webhook" actions.
//! - [`event_id`]: the event id of a capture, for grouping repeated deliveries.
//! - [`db`]: saved filters, event-id sources and deliveries in the store.

pub mod body;
pub mod db;
pub mod dialect;
pub mod event_id;
pub mod query;
pub mod sql;

pub use query::{Expr, QueryError, parse};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A named query kept for an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SavedFilter {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub endpoint_id: i64,
    pub name: String,
    pub query: String,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// `POST /api/v1/endpoints/{id}/filters`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct NewSavedFilter {
    pub name: String,
    pub query: String,
}

/// `GET /api/v1/endpoints/{id}/filters`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SavedFilterList {
    pub items: Vec<SavedFilter>,
}
