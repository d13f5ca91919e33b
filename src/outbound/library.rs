//! What the request builder keeps between sends: named environments (their
//! variables are `{{env.*}}`; secret ones are masked wherever they are shown
//! and in the execution log), saved responses (`{{steps.<name>.response.*}}`),
//! and saved requests.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::spec::SendRequest;
use super::wire::MASK;
use crate::store::{StoreError, queries};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

// ---------------------------------------------------------------- environments

/// A variable of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Variable {
    pub name: String,
    /// For a secret, `••••••` when read; writing `••••••` back keeps the stored value.
    pub value: String,
    /// Masked in the UI, the execution log and exports.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub secret: bool,
}

/// A named set of variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Environment {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub variables: Vec<Variable>,
    /// The environment `{{env.*}}` uses when a request names none.
    pub active: bool,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// `POST /api/v1/environments`, `PUT /api/v1/environments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct EnvironmentInput {
    pub name: String,
    #[serde(default)]
    #[ts(as = "Option<Vec<Variable>>", optional)]
    pub variables: Vec<Variable>,
    /// Make it the active environment (or, false, stop it being the active one).
    #[serde(default)]
    #[ts(optional)]
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct EnvironmentList {
    pub items: Vec<Environment>,
}

const ACTIVE_KEY: &str = "active_environment";

fn active_id(conn: &Connection) -> Result<Option<i64>, StoreError> {
    Ok(queries::get_json_setting::<Value>(conn, ACTIVE_KEY)?.and_then(|v| v.as_i64()))
}

fn read_env(row: &rusqlite::Row<'_>, active: Option<i64>) -> rusqlite::Result<(Environment, Vec<Variable>)> {
    let id: i64 = row.get(0)?;
    let vars: String = row.get(2)?;
    let variables: Vec<Variable> = serde_json::from_str(&vars).unwrap_or_default();
    let masked = variables
        .iter()
        .map(|v| Variable {
            value: if v.secret && !v.value.is_empty() { MASK.into() } else { v.value.clone() },
            ..v.clone()
        })
        .collect();
    Ok((
        Environment {
            id,
            name: row.get(1)?,
            variables: masked,
            active: active == Some(id),
            updated_at: row.get(3)?,
        },
        variables,
    ))
}

pub fn list_environments(conn: &Connection) -> Result<Vec<Environment>, StoreError> {
    let active = active_id(conn)?;
    let mut stmt = conn.prepare("SELECT id, name, variables, updated_at FROM environments ORDER BY name")?;
    let rows = stmt.query_map([], |r| read_env(r, active).map(|(e, _)| e))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An environment: as shown (secrets masked), and its real variables.
fn load_environment(conn: &Connection, id: i64) -> Result<(Environment, Vec<Variable>), StoreError> {
    let active = active_id(conn)?;
    conn.query_row("SELECT id, name, variables, updated_at FROM environments WHERE id = ?1", [id], |r| {
        read_env(r, active)
    })
    .optional()?
    .ok_or(StoreError::NotFound("environment"))
}

pub fn get_environment(conn: &Connection, id: i64) -> Result<Environment, StoreError> {
    load_environment(conn, id).map(|(e, _)| e)
}

fn check_input(input: &EnvironmentInput) -> Result<(), StoreError> {
    if input.name.trim().is_empty() {
        return Err(StoreError::Conflict("an environment needs a name".into()));
    }
    for v in &input.variables {
        if v.name.trim().is_empty() || v.name.contains(['.', '[', ']', '{', '}', ' ']) {
            return Err(StoreError::Conflict(format!(
                "{:?} cannot be a variable name (letters, digits, _ and -)",
                v.name
            )));
        }
    }
    Ok(())
}

/// Create (`id` None) or replace an environment. A secret whose value is
/// `••••••` keeps the value it had.
pub fn save_environment(
    conn: &Connection,
    id: Option<i64>,
    input: &EnvironmentInput,
) -> Result<Environment, StoreError> {
    check_input(input)?;
    let old: Vec<Variable> = match id {
        Some(id) => load_environment(conn, id)?.1,
        None => Vec::new(),
    };
    let vars: Vec<Variable> = input
        .variables
        .iter()
        .map(|v| {
            let kept = (v.secret && v.value == MASK)
                .then(|| old.iter().find(|o| o.name == v.name).map(|o| o.value.clone()))
                .flatten();
            Variable {
                name: v.name.trim().to_owned(),
                value: kept.unwrap_or_else(|| v.value.clone()),
                secret: v.secret,
            }
        })
        .collect();
    let json = serde_json::to_string(&vars).map_err(|e| corrupt("variables", e))?;
    let now = crate::util::now_ms();
    let taken = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            StoreError::Conflict(format!("an environment named {:?} exists already", input.name.trim()))
        }
        _ => StoreError::Sqlite(e),
    };
    let id = match id {
        Some(id) => {
            conn.execute(
                "UPDATE environments SET name = ?2, variables = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, input.name.trim(), json, now],
            )
            .map_err(taken)?;
            id
        }
        None => {
            conn.execute(
                "INSERT INTO environments (name, variables, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![input.name.trim(), json, now],
            )
            .map_err(taken)?;
            conn.last_insert_rowid()
        }
    };
    match input.active {
        Some(true) => queries::put_json_setting(conn, ACTIVE_KEY, &Value::from(id))?,
        Some(false) if active_id(conn)? == Some(id) => {
            queries::put_json_setting(conn, ACTIVE_KEY, &Value::Null)?
        }
        _ => {}
    }
    get_environment(conn, id)
}

pub fn delete_environment(conn: &Connection, id: i64) -> Result<(), StoreError> {
    if conn.execute("DELETE FROM environments WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound("environment"));
    }
    if active_id(conn)? == Some(id) {
        queries::put_json_setting(conn, ACTIVE_KEY, &Value::Null)?;
    }
    Ok(())
}

/// The variables `{{env.*}}` resolves to: the named environment (by name or
/// id), else the active one; and the values of its secrets, to mask.
pub fn env_for(conn: &Connection, name: Option<&str>) -> Result<Option<(Value, Vec<String>)>, StoreError> {
    let id = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => {
            let by_name: Option<i64> = conn
                .query_row("SELECT id FROM environments WHERE name = ?1", [n], |r| r.get(0))
                .optional()?;
            match by_name.or_else(|| n.parse::<i64>().ok()) {
                Some(id) => Some(id),
                None => return Err(StoreError::NotFound("environment")),
            }
        }
        None => active_id(conn)?,
    };
    let Some(id) = id else { return Ok(None) };
    let vars = match load_environment(conn, id) {
        Ok((_, vars)) => vars,
        Err(StoreError::NotFound(_)) if name.is_none() => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut map = Map::new();
    let mut secrets = Vec::new();
    for v in vars {
        if v.secret && !v.value.is_empty() {
            secrets.extend(secret_forms(&v.value));
        }
        map.insert(v.name, Value::String(v.value));
    }
    secrets.sort();
    secrets.dedup();
    Ok(Some((Value::Object(map), secrets)))
}

/// A secret as it may appear once written into a request: as is, percent-
/// encoded (URL), form-encoded, and escaped inside a JSON string.
pub fn secret_forms(value: &str) -> Vec<String> {
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json.get(1..json.len().saturating_sub(1)).unwrap_or_default().to_owned();
    vec![
        value.to_owned(),
        crate::template::render::percent_encode(value),
        url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        json,
    ]
}

// ---------------------------------------------------------------- steps

/// A saved response, `{{steps.<name>.response.status|headers.<name>|body.<path>}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Step {
    pub name: String,
    /// The logged send it came from.
    #[ts(type = "number")]
    pub send_id: i64,
    #[ts(type = "number")]
    pub saved_at: i64,
    /// `{status, headers: {name: value}, body}` (the body parsed when it is JSON).
    #[schema(value_type = Object)]
    #[ts(type = "Record<string, unknown>")]
    pub response: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct StepList {
    pub items: Vec<Step>,
}

/// `POST /api/v1/requests/{id}/step`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SaveStep {
    /// Letters, digits, `_` and `-`.
    pub name: String,
}

pub fn is_step_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Save the response of logged send `send_id` as step `name` (replacing one of that name).
pub fn save_step(conn: &Connection, send_id: i64, name: &str) -> Result<Step, StoreError> {
    if !is_step_name(name) {
        return Err(StoreError::Conflict(format!(
            "{name:?} cannot be a step name (letters, digits, _ and -)"
        )));
    }
    let record = super::log::get(conn, send_id)?;
    let resp =
        record.response.ok_or_else(|| StoreError::Conflict("this request got no response to save".into()))?;
    let mut headers = Map::new();
    for (n, v) in &resp.headers {
        // Later headers of the same name join the first, as HTTP allows.
        let name = String::from_utf8_lossy(n).to_ascii_lowercase();
        let value = String::from_utf8_lossy(v).into_owned();
        match headers.get_mut(&name) {
            Some(Value::String(s)) => {
                s.push_str(", ");
                s.push_str(&value);
            }
            _ => {
                headers.insert(name, Value::String(value));
            }
        }
    }
    let body = serde_json::from_slice::<Value>(&resp.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&resp.body).into_owned()));
    let response = serde_json::json!({"status": resp.status, "headers": headers, "body": body});
    let now = crate::util::now_ms();
    conn.execute(
        "INSERT INTO steps (name, send_id, saved_at, response) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET send_id = excluded.send_id, saved_at = excluded.saved_at,
                                         response = excluded.response",
        params![name, send_id, now, response.to_string()],
    )?;
    Ok(Step { name: name.to_owned(), send_id, saved_at: now, response })
}

pub fn list_steps(conn: &Connection) -> Result<Vec<Step>, StoreError> {
    let mut stmt = conn.prepare("SELECT name, send_id, saved_at, response FROM steps ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (name, send_id, saved_at, text) = row?;
        let response = serde_json::from_str(&text).map_err(|e| corrupt("a step", e))?;
        out.push(Step { name, send_id, saved_at, response });
    }
    Ok(out)
}

pub fn delete_step(conn: &Connection, name: &str) -> Result<(), StoreError> {
    match conn.execute("DELETE FROM steps WHERE name = ?1", [name])? {
        0 => Err(StoreError::NotFound("step")),
        _ => Ok(()),
    }
}

/// `steps` for templates: `{<name>: {response: …}}`.
pub fn steps_document(conn: &Connection) -> Result<Value, StoreError> {
    let mut map = Map::new();
    for s in list_steps(conn)? {
        map.insert(s.name, serde_json::json!({ "response": s.response }));
    }
    Ok(Value::Object(map))
}

// ---------------------------------------------------------------- saved requests

/// A request kept in the builder's library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SavedRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub request: SendRequest,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// `POST /api/v1/saved-requests`, `PUT /api/v1/saved-requests/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SavedRequestInput {
    pub name: String,
    pub request: SendRequest,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SavedRequestList {
    pub items: Vec<SavedRequest>,
}

pub fn list_saved(conn: &Connection) -> Result<Vec<SavedRequest>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT id, name, request, updated_at FROM saved_requests ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, text, updated_at) = row?;
        let request = serde_json::from_str(&text).map_err(|e| corrupt("a saved request", e))?;
        out.push(SavedRequest { id, name, request, updated_at });
    }
    Ok(out)
}

pub fn save_request(
    conn: &Connection,
    id: Option<i64>,
    input: &SavedRequestInput,
) -> Result<SavedRequest, StoreError> {
    if input.name.trim().is_empty() {
        return Err(StoreError::Conflict("a saved request needs a name".into()));
    }
    let mut request = input.request.clone();
    request.dry_run = false;
    let json = serde_json::to_string(&request).map_err(|e| corrupt("a saved request", e))?;
    let now = crate::util::now_ms();
    let id = match id {
        Some(id) => {
            if conn.execute(
                "UPDATE saved_requests SET name = ?2, request = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, input.name.trim(), json, now],
            )? == 0
            {
                return Err(StoreError::NotFound("saved request"));
            }
            id
        }
        None => {
            conn.execute(
                "INSERT INTO saved_requests (name, request, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![input.name.trim(), json, now],
            )?;
            conn.last_insert_rowid()
        }
    };
    Ok(SavedRequest { id, name: input.name.trim().to_owned(), request, updated_at: now })
}

pub fn delete_saved(conn: &Connection, id: i64) -> Result<(), StoreError> {
    match conn.execute("DELETE FROM saved_requests WHERE id = ?1", [id])? {
        0 => Err(StoreError::NotFound("saved request")),
        _ => Ok(()),
    }
}
