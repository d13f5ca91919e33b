//! What "ignore volatile" hides: values that differ between any two deliveries
//! of the same event (timestamps, ids, signatures, delivery headers).

use serde_json::Value;

/// Header names (lower-case) whose values change with every delivery.
const HEADERS: &[&str] = &[
    "date",
    "age",
    "expires",
    "last-modified",
    "content-length",
    "x-request-id",
    "x-correlation-id",
    "x-amzn-trace-id",
    "traceparent",
    "tracestate",
    "x-b3-traceid",
    "x-b3-spanid",
    "cf-ray",
    "x-forwarded-for",
    "x-real-ip",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "stripe-signature",
    "x-github-delivery",
    "x-ghl-signature",
    "x-wh-signature",
    "x-signature",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-shopify-hmac-sha256",
    "x-shopify-webhook-id",
    "x-shopify-triggered-at",
    "x-twilio-signature",
    "x-timestamp",
    "x-delivery-id",
    "x-event-id",
    "x-idempotency-key",
    "idempotency-key",
];

/// Whether a header (any case) carries a per-delivery value.
pub fn header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.split('#').next().unwrap_or("");
    HEADERS.contains(&n)
        || n.starts_with("x-hub-signature")
        || n.ends_with("-signature")
        || n.ends_with("-timestamp")
        || n.ends_with("-request-id")
        || n.ends_with("-delivery-id")
}

/// Keys that name an id, a time or a signature: `id`, `_id`, `uuid`, `*Id`,
/// `*_id`, `created`, `updated`, `*_at`, `*At`, `timestamp`, `date`, `nonce`…
pub fn key(k: &str) -> bool {
    let lower = k.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "id",
        "_id",
        "uuid",
        "guid",
        "nonce",
        "signature",
        "sig",
        "hmac",
        "timestamp",
        "ts",
        "time",
        "date",
        "datetime",
        "created",
        "updated",
        "modified",
        "deleted",
        "etag",
        "token",
        "requestid",
        "request_id",
        "eventid",
        "event_id",
        "deliveryid",
        "delivery_id",
        "webhookid",
        "webhook_id",
    ];
    if EXACT.contains(&lower.as_str()) {
        return true;
    }
    let camel_suffix = |suffix: &str| {
        k.len() > suffix.len()
            && k.ends_with(suffix)
            && k[..k.len() - suffix.len()]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    lower.ends_with("_id")
        || lower.ends_with("-id")
        || lower.ends_with("_at")
        || lower.ends_with("_ts")
        || lower.ends_with("_time")
        || lower.ends_with("_date")
        || lower.ends_with("timestamp")
        || lower.ends_with("signature")
        || lower.ends_with("uuid")
        || camel_suffix("Id")
        || camel_suffix("ID")
        || camel_suffix("At")
        || camel_suffix("Date")
        || camel_suffix("Time")
}

/// Whether a value looks like a point in time: an ISO 8601 date or date-time,
/// or a Unix time in seconds or milliseconds between 2001 and 2286.
pub fn value(v: &Value) -> bool {
    match v {
        Value::String(s) => iso_date(s) || s.parse::<i64>().is_ok_and(epoch),
        Value::Number(n) => n.as_i64().is_some_and(epoch) || n.as_f64().is_some_and(|f| epoch(f as i64)),
        _ => false,
    }
}

fn epoch(n: i64) -> bool {
    (1_000_000_000..10_000_000_000).contains(&n) || (1_000_000_000_000..10_000_000_000_000).contains(&n)
}

/// `YYYY-MM-DD`, optionally followed by `T`/space and a time.
fn iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 10 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b.len() == 10
            || (matches!(b[10], b'T' | b't' | b' ') && b.len() >= 16 && digits(11..13) && b[13] == b':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn volatile_headers() {
        for h in [
            "Date",
            "X-Request-Id",
            "webhook-signature",
            "X-Hub-Signature-256",
            "Stripe-Signature",
            "x-ghl-signature",
            "Content-Length",
            "date#2",
        ] {
            assert!(header(h), "{h}");
        }
        for h in ["content-type", "user-agent", "x-custom"] {
            assert!(!header(h), "{h}");
        }
    }

    #[test]
    fn volatile_keys() {
        for k in [
            "id",
            "_id",
            "uuid",
            "contactId",
            "contact_id",
            "created_at",
            "updatedAt",
            "timestamp",
            "date",
            "nonce",
            "signature",
            "eventTimestamp",
        ] {
            assert!(key(k), "{k}");
        }
        for k in ["email", "name", "paid", "status", "valid", "tags", "amount", "data", "Identity", "format"]
        {
            assert!(!key(k), "{k}");
        }
    }

    #[test]
    fn volatile_values() {
        assert!(value(&json!("2026-12-03T12:00:00Z")));
        assert!(value(&json!("2026-12-03")));
        assert!(value(&json!(1_764_763_200)));
        assert!(value(&json!(1_764_763_200_123_i64)));
        assert!(!value(&json!("hello")));
        assert!(!value(&json!(42)));
        assert!(!value(&json!("2026-12")));
    }
}
