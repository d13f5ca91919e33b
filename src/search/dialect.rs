//! Which known payload family a body looks like.
//!
//! HighLevel sends two very different JSON shapes:
//! - a **marketplace** (app) webhook: a flat camelCase envelope with `type`
//!   (`ContactCreate`, `OpportunityStageUpdate`…) and `locationId` (or
//!   `companyId`), usually with `webhookId`, `timestamp`, `appId`, `versionId`;
//! - the free workflow **"Webhook" action**: snake_case standard contact fields
//!   at the root (`contact_id`, `first_name`, `full_name`, `date_created`…),
//!   `tags` as one comma-separated string, `customData`, `workflow`, `location`.
//!
//! The probe reads only the top level of a JSON object (values are skipped, not
//! built), and only bodies up to [`PROBE_LIMIT`]; it runs when a capture is stored.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::model::Dialect;

/// Bodies larger than this are not probed.
pub const PROBE_LIMIT: usize = 256 * 1024;

/// The standard snake_case contact fields of the workflow action's payload.
const WORKFLOW_FIELDS: &[&str] = &[
    "contact_id",
    "first_name",
    "last_name",
    "full_name",
    "date_created",
    "full_address",
    "contact_type",
    "contact_source",
    "company_name",
    "postal_code",
    "date_of_birth",
];

#[derive(Default, Debug)]
struct TopLevel {
    /// `type` when it is a string.
    type_value: Option<String>,
    location_id: bool,
    company_id: bool,
    envelope: usize,
    workflow_fields: usize,
    contact_id: bool,
    tags_string: bool,
    custom_data_object: bool,
    workflow_object: bool,
    trigger_data: bool,
    location_object: bool,
    /// Any key with `_` (camelCase payloads have none at the top).
    snake_keys: usize,
}

enum Kind {
    Str(String),
    Object,
    Other,
}

struct KindSeed;

impl<'de> de::DeserializeSeed<'de> for KindSeed {
    type Value = Kind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
                Ok(Kind::Str(if v.len() <= 64 { v.to_owned() } else { String::new() }))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
                self.visit_str(&v)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Kind, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Kind::Object)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Kind, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Kind::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_unit<E>(self) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
        }
        d.deserialize_any(V)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopLevel;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<TopLevel, A::Error> {
        let mut t = TopLevel::default();
        while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            let kind = m.next_value_seed(KindSeed)?;
            let key = key.as_ref();
            if key.contains('_') {
                t.snake_keys += 1;
            }
            if WORKFLOW_FIELDS.contains(&key) {
                t.workflow_fields += 1;
            }
            match (key, &kind) {
                ("type", Kind::Str(s)) => t.type_value = Some(s.clone()),
                ("locationId", Kind::Str(_)) => t.location_id = true,
                ("companyId", Kind::Str(_)) => t.company_id = true,
                ("webhookId" | "timestamp" | "versionId" | "appId", _) => t.envelope += 1,
                ("contact_id", _) => t.contact_id = true,
                ("tags", Kind::Str(_)) => t.tags_string = true,
                ("customData", Kind::Object) => t.custom_data_object = true,
                ("workflow", Kind::Object) => t.workflow_object = true,
                ("triggerData", _) => t.trigger_data = true,
                ("location", Kind::Object) => t.location_object = true,
                _ => {}
            }
        }
        Ok(t)
    }
}

/// `ContactCreate`, `InboundMessage`, `AppInstall`: an event name in PascalCase.
fn pascal_event(s: &str) -> bool {
    s.len() >= 3
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The dialect of a body, if it has a known one.
pub fn detect(content_type: Option<&str>, body: &[u8]) -> Option<Dialect> {
    if body.is_empty() || body.len() > PROBE_LIMIT {
        return None;
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    if let Some(ct) = content_type {
        let ct = ct.to_ascii_lowercase();
        if !(ct.contains("json") || ct.starts_with("text/plain")) {
            return None;
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = de.deserialize_map(TopVisitor).ok()?;
    let marketplace = top.type_value.as_deref().is_some_and(pascal_event)
        && (top.location_id || top.company_id)
        && top.workflow_fields == 0;
    if marketplace {
        return Some(Dialect::HighlevelMarketplace);
    }
    let workflow_markers = usize::from(top.custom_data_object)
        + usize::from(top.workflow_object)
        + usize::from(top.trigger_data)
        + usize::from(top.tags_string)
        + usize::from(top.location_object);
    let contact = top.contact_id || top.workflow_fields >= 2;
    if contact && workflow_markers >= 1 && top.snake_keys >= 1 {
        return Some(Dialect::HighlevelWorkflow);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKETPLACE_CONTACT: &str = r#"{
        "type": "ContactCreate", "locationId": "ve9EPM428h8vShlRW1KT", "id": "nmFmQEsNgz6AVpgLVUJ0",
        "address1": "3535 1st St N", "city": "ruDolph", "state": "AL", "companyName": "Loram ipsum",
        "country": "DZ", "source": "xyz form", "dateAdded": "2021-11-26T12:41:02.193Z",
        "dateOfBirth": "2000-01-05T00:00:00.000Z", "dnd": true, "email": "JohnDeo@gmail.com",
        "name": "John Deo", "firstName": "John", "lastName": "Deo", "phone": "+919509597501",
        "postalCode": "452001", "tags": ["id magna sed Lorem", "Duis dolor commodo aliqua"],
        "website": "https://www.google.com/", "attachments": [], "assignedTo": "nmFmQEsNgz6AVpgLVUJ0",
        "customFields": [{"id": "BcdmQEsNgz6AVpgLVUJ0", "value": "XYZ Corp"}],
        "webhookId": "7d8f3a2e-1c4b-4f5a-9e6d-2b1a0c9d8e7f", "timestamp": "2026-11-02T10:00:00.000Z",
        "versionId": "64b0c1", "appId": "64b0c1d2e3"
    }"#;

    const MARKETPLACE_APPOINTMENT: &str = r#"{"type":"AppointmentCreate","locationId":"0007BWpSzSwfiuSl0tR2",
        "appointment":{"id":"0007BWpSzSwfiuSl0tR2","address":"https://example.com/meeting","title":"Appointment with GHL Dev team",
        "calendarId":"BqTwX8QFwXzpegMve9EQ","contactId":"9NkT25Vor1v4aQatFsv2","groupId":"9NkT25Vor1v4aQatFsv2",
        "appointmentStatus":"confirmed","assignedUserId":"YlWd2wuCAZQzh2cH1fVZ","users":["YlWd2wuCAZQzh2cH1fVZ"],
        "notes":"Some dummy note","source":"booking_widget","startTime":"2023-09-25T16:00:00+05:30",
        "endTime":"2023-09-25T16:00:00+05:30","dateAdded":"2023-09-25T16:00:00+05:30","dateUpdated":"2023-09-25T16:00:00+05:30"}}"#;

    const WORKFLOW_ACTION: &str = r#"{
        "contact_id": "uBB0M7Kf2GSHZOsUTz3V", "first_name": "Maria", "last_name": "Silva",
        "full_name": "Maria Silva", "email": "maria@example.com", "tags": "knobler-captura",
        "country": "BR", "date_created": "2026-08-04T14:53:09.703Z", "full_address": "",
        "contact_type": "lead",
        "location": {"name": "Knobler", "address": "", "city": "", "state": "", "country": "BR",
                     "postalCode": "", "fullAddress": "", "id": "Xb7kP0aL2mN4qR6sT8uV"},
        "workflow": {"id": "5a1c3e5f-7b9d-4f1a-8c3e-5a7b9d1f3a5c", "name": "Tag added"},
        "triggerData": {},
        "contact": {"attributionSource": {"sessionSource": "CRM UI", "medium": "manual", "mediumId": null},
                    "lastAttributionSource": {}},
        "attributionSource": {},
        "customData": {"origem_knobler": "captura-012"}
    }"#;

    #[test]
    fn marketplace_events_are_told_from_workflow_actions() {
        let json = Some("application/json");
        assert_eq!(detect(json, MARKETPLACE_CONTACT.as_bytes()), Some(Dialect::HighlevelMarketplace));
        assert_eq!(detect(json, MARKETPLACE_APPOINTMENT.as_bytes()), Some(Dialect::HighlevelMarketplace));
        assert_eq!(detect(json, WORKFLOW_ACTION.as_bytes()), Some(Dialect::HighlevelWorkflow));
        assert_eq!(
            detect(Some("application/json; charset=utf-8"), WORKFLOW_ACTION.as_bytes()),
            Some(Dialect::HighlevelWorkflow)
        );
        assert_eq!(detect(None, WORKFLOW_ACTION.as_bytes()), Some(Dialect::HighlevelWorkflow));
    }

    #[test]
    fn other_payloads_have_no_dialect() {
        let json = Some("application/json");
        for body in [
            r#"{"id":"evt_1","object":"event","type":"charge.succeeded","data":{"object":{}}}"#,
            r#"{"ref":"refs/heads/main","repository":{"full_name":"a/b"}}"#,
            r#"{"type":"ContactCreate"}"#,
            r#"{"email":"a@b.c","first_name":"A"}"#,
            r#"{"type": "ContactCreate", "locationId": 7}"#,
            r#"[1,2,3]"#,
            r#"{"broken": "#,
            "",
        ] {
            assert_eq!(detect(json, body.as_bytes()), None, "{body}");
        }
        assert_eq!(detect(Some("application/x-www-form-urlencoded"), WORKFLOW_ACTION.as_bytes()), None);
        assert_eq!(detect(Some("application/octet-stream"), MARKETPLACE_CONTACT.as_bytes()), None);
    }
}
