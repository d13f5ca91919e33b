//! Ready-made requests: what HighLevel's workflow actions send, so a receiver
//! can be tested before the workflow is published.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::spec::{Auth, BodyType, NameValue, SendRequest};

/// A request to start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct Preset {
    pub id: String,
    pub name: String,
    pub description: String,
    pub request: SendRequest,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct PresetList {
    pub items: Vec<Preset>,
}

/// HighLevel's Webhook action payload: the standard contact fields at the
/// root (snake_case, `tags` a comma-separated string), location, workflow,
/// attribution, and the action's Custom Data key/values.
const WEBHOOK_ACTION_BODY: &str = r#"{
  "contact_id": "{{contact.id}}",
  "first_name": "{{contact.first_name}}",
  "last_name": "{{contact.last_name}}",
  "full_name": "{{contact.full_name}}",
  "email": "{{contact.email}}",
  "phone": "{{contact.phone}}",
  "tags": "{{contact.tags}}",
  "address1": "{{contact.address1}}",
  "city": "{{contact.city}}",
  "state": "{{contact.state}}",
  "country": "{{contact.country}}",
  "postal_code": "{{contact.postal_code}}",
  "company_name": "{{contact.company_name}}",
  "website": "{{contact.website}}",
  "date_of_birth": "{{contact.date_of_birth}}",
  "timezone": "{{contact.timezone}}",
  "contact_source": "{{contact.source}}",
  "date_created": "{{contact.date_created}}",
  "full_address": "",
  "contact_type": "lead",
  "location": {
    "name": "{{env.location_name | default:"My Agency"}}",
    "address": "",
    "city": "",
    "state": "",
    "country": "US",
    "postalCode": "",
    "fullAddress": "",
    "id": "{{env.location_id | default:"ve9EPM428h8vShlRW1KT"}}"
  },
  "workflow": {
    "id": "{{env.workflow_id | default:"3a2b1c4d-0000-4000-8000-000000000000"}}",
    "name": "{{env.workflow_name | default:"New lead"}}"
  },
  "triggerData": {},
  "contact": {
    "attributionSource": { "sessionSource": "CRM UI", "medium": "manual", "mediumId": null },
    "lastAttributionSource": {}
  },
  "attributionSource": {},
  "customData": {
    "source": "hookbench"
  }
}"#;

const CUSTOM_WEBHOOK_BODY: &str = r#"{
  "email": "{{contact.email}}",
  "name": "{{contact.full_name}}",
  "phone": "{{contact.phone}}"
}"#;

fn header(name: &str, value: &str) -> NameValue {
    NameValue::new(name, value)
}

/// Every preset.
pub fn all() -> Vec<Preset> {
    vec![
        Preset {
            id: "highlevel-webhook-action".into(),
            name: "HighLevel Webhook action".into(),
            description: "What a workflow's Webhook action POSTs: the contact's standard fields, location, workflow \
                          and Custom Data (edit the customData object). Unsigned, no event id, as HighLevel sends it."
                .into(),
            request: SendRequest {
                method: "POST".into(),
                url: "{{env.webhook_url | default:\"http://localhost:3000/webhook\"}}".into(),
                headers: vec![
                    header("Content-Type", "application/json"),
                    header("Accept", "application/json, text/plain, */*"),
                    header("User-Agent", "axios/1.13.2"),
                ],
                body: WEBHOOK_ACTION_BODY.into(),
                body_type: Some(BodyType::Json),
                ..Default::default()
            },
        },
        Preset {
            id: "highlevel-custom-webhook".into(),
            name: "HighLevel Custom Webhook action".into(),
            description: "A workflow's Custom Webhook action: your method, headers, query and body with \
                          {{contact.*}} tags, and auth (Bearer here, from the environment's api_token)."
                .into(),
            request: SendRequest {
                method: "POST".into(),
                url: "{{env.api_url | default:\"http://localhost:3000/contacts\"}}".into(),
                headers: vec![header("Accept", "application/json")],
                body: CUSTOM_WEBHOOK_BODY.into(),
                body_type: Some(BodyType::Json),
                auth: Auth::Bearer { token: "{{env.api_token}}".into() },
                ..Default::default()
            },
        },
        Preset {
            id: "highlevel-inbound-webhook".into(),
            name: "HighLevel Inbound Webhook trigger".into(),
            description: "Start a workflow's Inbound Webhook trigger with a sample payload, so HighLevel learns \
                          the fields to map (set inbound_webhook_url in the environment)."
                .into(),
            request: SendRequest {
                method: "POST".into(),
                url: "{{env.inbound_webhook_url | default:\"https://services.leadconnectorhq.com/hooks/LOCATION/webhook-trigger/ID\"}}"
                    .into(),
                headers: vec![header("Content-Type", "application/json")],
                body: r#"{
  "email": "{{contact.email}}",
  "first_name": "{{contact.first_name}}",
  "last_name": "{{contact.last_name}}",
  "phone": "{{contact.phone}}",
  "source": "hookbench"
}"#
                .into(),
                body_type: Some(BodyType::Json),
                ..Default::default()
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Context, sample_contact};

    #[test]
    fn every_preset_builds_against_the_sample_contact_without_a_warning() {
        let ctx = Context::new().with("contact", sample_contact()).with("env", serde_json::json!({}));
        for p in all() {
            let built =
                crate::outbound::build::build(&p.request, &ctx).unwrap_or_else(|e| panic!("{}: {e}", p.id));
            let body_warnings: Vec<_> =
                built.diagnostics.iter().filter(|d| d.field != "auth.token").collect();
            assert!(body_warnings.is_empty(), "{}: {body_warnings:?}", p.id);
            let body: serde_json::Value = serde_json::from_slice(&built.prepared.body).unwrap();
            assert!(body.is_object(), "{}", p.id);
        }
        let body: serde_json::Value = {
            let p = &all()[0];
            let b = crate::outbound::build::build(&p.request, &ctx).unwrap();
            serde_json::from_slice(&b.prepared.body).unwrap()
        };
        assert_eq!(body["tags"], "lead,vip");
        assert_eq!(body["email"], "maria.silva@example.com");
        assert_eq!(body["location"]["name"], "My Agency");
    }
}
