// Generated from the Rust types by `cargo test` (src/bindings.rs). Do not edit.
// Ids and times are numbers: ids stay far below 2^53, times are ms since the epoch.

export type Header = { name: string, value: string, value_base64?: string, };

export type Endpoint = { id: number, name: string, slug: string, 
/**
 * The full URL senders post to.
 */
url: string, 
/**
 * The built-in endpoint that receives requests to paths outside `/h/`.
 */
is_default: boolean, 
/**
 * Milliseconds since the Unix epoch.
 */
created_at: number, updated_at: number, capture_count: number, 
/**
 * `received_at` of the newest capture, if any.
 */
last_capture_at: number | null, 
/**
 * Where its captures are also sent (`PUT /api/v1/endpoints/{id}/forward`), if anywhere.
 */
forward: ForwardConfig | null, };

export type EndpointList = { items: Array<Endpoint>, };

export type HeaderSource = "wire" | "parsed";

export type SentResponse = { status: number, headers: Array<Header>, 
/**
 * The body as text (our answers are JSON).
 */
body: string, };

export type CaptureSummary = { id: number, endpoint_id: number, 
/**
 * Milliseconds since the Unix epoch.
 */
received_at: number, method: string, path: string, 
/**
 * The raw query string (without `?`), if the URL had one.
 */
query: string | null, remote_addr: string, content_type: string | null, body_size: number, 
/**
 * The status code the listener answered.
 */
status: number, 
/**
 * Why the request was not captured whole (`too_large`, `body_error: …`).
 */
rejected: string | null, starred: boolean, tags: Array<string>, 
/**
 * Missing + null + type-changed fields against the endpoint's mapping
 * reference (null: not checked, or the endpoint has no reference).
 */
mapping_issues: number | null, 
/**
 * The first delivery of the same event id on this endpoint, when this is a repeat.
 */
duplicate_of: number | null, 
/**
 * The payload family the body looks like.
 */
dialect: Dialect | null, };

export type Capture = { id: number, endpoint_id: number, received_at: number, method: string, path: string, query: string | null, http_version: string, remote_addr: string, headers: Array<Header>, header_source: HeaderSource, content_type: string | null, body_size: number, body_sha256: string, 
/**
 * The Content-Length the sender declared, if any.
 */
declared_length: number | null, rejected: string | null, response: SentResponse, starred: boolean, note: string, tags: Array<string>, 
/**
 * Views of the body derived at read time; the raw bytes are at `/body`.
 */
decoded: Decoded, 
/**
 * The check against the endpoint's mapping reference, once made (null: the
 * endpoint has no reference, or the check has not run yet).
 */
mapping_check: MappingCheck | null, 
/**
 * What repeated deliveries of the same event share (see `EventIdConfig`).
 */
event_id: string | null, 
/**
 * The first delivery of the same event id on this endpoint, when this is a repeat.
 */
duplicate_of: number | null, dialect: Dialect | null, };

export type CapturePage = { items: Array<CaptureSummary>, 
/**
 * Pass as `cursor` to get the next (older) page; null at the end.
 */
next_cursor: string | null, };

export type Dialect = "highlevel-marketplace" | "highlevel-workflow";

export type SavedFilter = { id: number, endpoint_id: number, name: string, query: string, created_at: number, };

export type NewSavedFilter = { name: string, query: string, };

export type SavedFilterList = { items: Array<SavedFilter>, };

export type EventIdKind = "header" | "json_path";

export type EventIdSource = { kind: EventIdKind, name: string, };

export type EventIdPreset = { label: string, kind: EventIdKind, name: string, };

export type EventIdConfig = { 
/**
 * None: every capture's event id is its body's SHA-256.
 */
source: EventIdSource | null, 
/**
 * Sources worth offering (ignored on PUT).
 */
presets: Array<EventIdPreset>, };

export type Delivery = { id: number, received_at: number, 
/**
 * The status the listener answered.
 */
status: number, 
/**
 * Milliseconds since the delivery before it (null for the first).
 */
interval_ms: number | null, };

export type Deliveries = { event_id: string, 
/**
 * `header`, `json_path` or `body_hash`.
 */
source: string, items: Array<Delivery>, };

export type Retention = { 
/**
 * Keep at most this many captures per endpoint (null: no limit).
 */
max_captures_per_endpoint: number | null, 
/**
 * Delete captures older than this many seconds (null: no limit).
 */
max_age_seconds: number | null, };

export type Settings = { retention: Retention, };

export type BodyKind = "empty" | "json" | "form" | "multipart" | "xml" | "text" | "binary";

export type FormField = { name: string, value: string, };

export type Part = { name: string | null, filename: string | null, content_type: string | null, size: number, headers: Array<Header>, 
/**
 * The part's bytes, base64.
 */
body_base64: string, 
/**
 * The part's bytes as text, when they are UTF-8.
 */
text: string | null, };

export type Decoded = { kind: BodyKind, 
/**
 * The content codings undone, in the order applied by the sender (`gzip`, `br`…).
 */
content_encoding: Array<string>, 
/**
 * Size after undoing content codings, when there were any.
 */
decoded_size: number | null, 
/**
 * True when the decoded body was cut at the size bound.
 */
truncated: boolean, json: JsonValue | null, form: Array<FormField> | null, parts: Array<Part> | null, 
/**
 * The (decoded) body as text, for text, XML and JSON bodies that are UTF-8.
 */
text: string | null, 
/**
 * Why a view could not be made (bad JSON, unknown coding, truncated multipart…).
 */
errors: Array<string>, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;

export type ListenerState = "listening" | "paused" | "failed";

export type ListenerStatus = { state: ListenerState, 
/**
 * The address asked for (`host:port`); when bound, the real one (port 0 resolved).
 */
addr: string, 
/**
 * The capture base URL while bound.
 */
url: string | null, 
/**
 * Why the listener is not bound, for people.
 */
error: string | null, 
/**
 * A free address to offer instead, when `addr` is taken.
 */
suggested_addr: string | null, 
/**
 * Largest body accepted, in bytes.
 */
max_body: number, 
/**
 * Capture is paused (also while `failed`: it stays paused once bound).
 */
paused: boolean, };

export type ListenerChange = { 
/**
 * Move the listener to `host:port`.
 */
addr?: string, paused?: boolean, max_body?: number, };

export type Event = { "type": "capture.created", "data": CaptureSummary } | { "type": "capture.updated", "data": CaptureSummary } | { "type": "capture.deleted", "data": { id: number, endpoint_id: number, } } | { "type": "endpoint.created", "data": Endpoint } | { "type": "endpoint.updated", "data": Endpoint } | { "type": "endpoint.deleted", "data": { id: number, } } | { "type": "listener.changed", "data": ListenerStatus } | { "type": "send.created", "data": SendSummary } | { "type": "replay.progress", "data": BulkJob };

export type Theme = "system" | "light" | "dark";

export type WindowGeometry = { x: number, y: number, width: number, height: number, maximized: boolean, };

export type Preferences = { 
/**
 * The capture listener's `host:port` (none: the default, or `--capture-addr`).
 */
capture_addr: string | null, 
/**
 * Largest body accepted, in bytes (none: the default, or `--max-body`).
 */
max_body: number | null, theme: Theme, 
/**
 * A desktop notification on a new capture while the window is not focused.
 */
notifications: boolean, 
/**
 * The endpoint selected last: shown first, and the tray copies its URL.
 */
last_endpoint_id: number | null, 
/**
 * Kept by the shell, not edited in the UI.
 */
window: WindowGeometry | null, };

export type PreferencesPatch = { capture_addr?: string | null, max_body?: number | null, theme?: Theme, notifications?: boolean, last_endpoint_id?: number | null, };

export type Info = { version: string, 
/**
 * Base URL of the capture listener.
 */
capture_url: string, 
/**
 * Base URL of this (control) listener.
 */
api_url: string, data_dir: string, default_endpoint_id: number, listener: ListenerStatus, };

export type CreateEndpoint = { name: string, };

export type PatchEndpoint = { name?: string, };

export type PatchCapture = { starred?: boolean, note?: string, tags?: Array<string>, };

export type ErrorBody = { error: ErrorDetail, };

export type ErrorDetail = { 
/**
 * Stable, machine-readable: `not_found`, `unauthorized`, `invalid_request`…
 */
code: string, 
/**
 * For people.
 */
message: string, 
/**
 * `bad_query`: the byte offset of the bad token in the query.
 */
position?: number, 
/**
 * `bad_query`: the bad token's length in bytes.
 */
length?: number, 
/**
 * `template_error`: each problem with its field and byte offsets into that field.
 */
diagnostics?: Array<FieldDiagnostic>, };

export type CaptureRef = { id: number, endpoint_id: number, method: string, path: string, 
/**
 * Milliseconds since the Unix epoch.
 */
received_at: number, };

export type ChangeArea = "method" | "path" | "query" | "header" | "body";

export type ChangeKind = "added" | "removed" | "changed" | "type_changed" | "moved";

export type Change = { area: ChangeArea, 
/**
 * Body: a JSON Pointer (`""` is the root). Query: the parameter name.
 * Header: the lower-case name (`name#2` for its second occurrence).
 */
path: string, kind: ChangeKind, a: JsonValue | null, b: JsonValue | null, 
/**
 * The path or header looks like a per-delivery value (time, id, signature).
 */
volatile: boolean, };

export type BodyDiffKind = "json" | "text" | "binary" | "empty";

export type BodyDiff = { kind: BodyDiffKind, 
/**
 * The line diff, for text bodies (when one of them is not JSON).
 */
lines: Array<LineOp> | null, a_size: number, b_size: number, a_sha256: string, b_sha256: string, };

export type DiffResult = { a: CaptureRef, b: CaptureRef, changes: Array<Change>, body: BodyDiff, 
/**
 * Volatile changes left out (`ignore_volatile`).
 */
hidden_volatile: number, };

export type LineOpKind = "equal" | "added" | "removed";

export type LineOp = { op: LineOpKind, a_line: number | null, b_line: number | null, text: string, };

export type FieldStat = { 
/**
 * JSON Pointer; `*` for any array element.
 */
path: string, 
/**
 * The merge-tag path (`a.b`, `items[0].id`).
 */
tag_path: string, types: Array<string>, 
/**
 * How many captures have this path.
 */
count: number, examples: Array<JsonValue>, 
/**
 * The few values this path takes, when it looks like an enumeration.
 */
enum: Array<JsonValue> | null, 
/**
 * Not seen in the `since` capture or any before it.
 */
new_since: boolean, };

export type FieldTable = { 
/**
 * Captures looked at.
 */
captures: number, 
/**
 * Of those, the ones with a JSON body.
 */
json_captures: number, fields: Array<FieldStat>, };

export type RefField = { 
/**
 * Merge-tag path: `customer.email`, `items[0].id`, `query.source`.
 */
path: string, 
/**
 * `{{inboundWebhookRequest.customer.email}}`.
 */
tag: string, 
/**
 * `string`, `number`, `integer`, `boolean`, `null`, `object` or `array`.
 */
type: string, sample: JsonValue, };

export type MappingReference = { endpoint_id: number, 
/**
 * The capture it was made from (null when imported).
 */
capture_id: number | null, created_at: number, fields: Array<RefField>, };

export type SetReference = { capture_id: number, };

export type Transform = { "op": "trim" } | { "op": "lower" } | { "op": "upper" } | { "op": "first_name" } | { "op": "last_name" } | { "op": "default", value: string, };

export type MappingRule = { 
/**
 * The target field (`contact.email`).
 */
target: string, 
/**
 * A reference path (`customer.email`).
 */
source: string, transforms: Array<Transform>, };

export type Mapping = { rules: Array<MappingRule>, };

export type MappingExport = { 
/**
 * Format version: 1.
 */
hookbench_mapping: number, reference: Array<RefField>, rules: Array<MappingRule>, };

export type PreviewValue = { target: string, source: string, value: JsonValue | null, error: string | null, };

export type MappingPreview = { values: Array<PreviewValue>, };

export type TypeChange = { path: string, expected: string, got: string, };

export type MappingCheck = { 
/**
 * Reference fields the capture lacks.
 */
missing: Array<string>, 
/**
 * Reference fields that are null in the capture (and were not in the reference).
 */
null: Array<string>, type_changed: Array<TypeChange>, 
/**
 * Fields the reference does not have.
 */
new: Array<string>, };

export type Severity = "error" | "warning";

export type Diagnostic = { message: string, start: number, end: number, 
/**
 * What to write instead (a full tag such as `{{contact.email}}`, or a filter name).
 */
suggestion: string | null, 
/**
 * `error`: the template is malformed there (the text is kept as written);
 * `warning`: a tag names nothing in the context (it renders empty).
 */
severity: Severity, };

export type Mode = "text" | "json" | "url" | "header";

export type Rendered = { output: string, diagnostics: Array<Diagnostic>, };

export type RenderRequest = { template: string, 
/**
 * `inboundWebhookRequest` from this capture…
 */
capture_id?: number, 
/**
 * …or from this endpoint's mapping reference.
 */
endpoint_id?: number, 
/**
 * How values are written (default `text`).
 */
mode?: Mode, 
/**
 * A contact to use instead of the saved sample contact.
 */
contact?: Record<string, unknown>, 
/**
 * Variables for `{{env.*}}`, over those of the environment.
 */
env?: Record<string, unknown>, 
/**
 * The environment (name or id) for `{{env.*}}`; default: the active one.
 */
environment?: string, };

export type SampleContact = { contact: Record<string, unknown>, };

export type MergeTagInfo = { 
/**
 * The tag path: `contact.email`, `inboundWebhookRequest.items[0].sku`.
 */
path: string, 
/**
 * Its value, shortened (objects and arrays as `{…}` and `[n]`).
 */
preview: string, };

export type MergeTags = { tags: Array<MergeTagInfo>, 
/**
 * More tags exist than the 5,000 listed.
 */
truncated: boolean, };

export type NameValue = { name: string, value: string, 
/**
 * A row switched off stays in the builder but is not sent.
 */
enabled?: boolean, };

export type FilePart = { 
/**
 * The form field's name.
 */
name: string, filename: string, content_type?: string, 
/**
 * The file's bytes, base64.
 */
data_base64: string, };

export type BodyType = "none" | "json" | "form" | "multipart" | "raw";

export type ApiKeyIn = "header" | "query";

export type OAuthGrant = "client_credentials" | "refresh_token";

export type ClientAuth = "basic" | "body";

export type Auth = { "type": "none" } | { "type": "bearer", token: string, } | { "type": "basic", username: string, password: string, } | { "type": "api_key", name: string, value: string, in?: ApiKeyIn, } | { "type": "oauth2", grant?: OAuthGrant, token_url: string, client_id: string, client_secret?: string, scope?: string, audience?: string, 
/**
 * For the refresh-token grant.
 */
refresh_token?: string, client_auth?: ClientAuth, };

export type SendOptions = { 
/**
 * For the whole exchange, redirects and token fetches included (default
 * 30 s, as long as HighLevel waits for a webhook's answer).
 */
timeout_ms?: number, 
/**
 * Follow up to 10 redirects (default on).
 */
follow_redirects?: boolean, 
/**
 * Check the server's TLS certificate (default on).
 */
verify_tls?: boolean, 
/**
 * An HTTP proxy: `http://[user:pass@]host:port`.
 */
proxy?: string, };

export type TemplateContext = { 
/**
 * `inboundWebhookRequest` from this capture…
 */
capture_id?: number, 
/**
 * …or from this endpoint's mapping reference.
 */
endpoint_id?: number, 
/**
 * A contact to use instead of the saved sample contact.
 */
contact?: Record<string, unknown>, 
/**
 * Variables for `{{env.*}}`, over those of the environment.
 */
env?: Record<string, unknown>, 
/**
 * The environment (name or id) for `{{env.*}}`; default: the active one.
 */
environment?: string, };

export type SendRequest = { 
/**
 * Any method; GET, POST, PUT, PATCH, DELETE, HEAD and OPTIONS are the usual ones.
 */
method: string, 
/**
 * May hold merge tags; a tag's value in the path or query is percent-encoded.
 */
url: string, 
/**
 * Appended to the URL's query, in order.
 */
query?: Array<NameValue>, headers?: Array<NameValue>, 
/**
 * The body template (for `json` and `raw`).
 */
body?: string, 
/**
 * Default: `raw` when `body` or `body_base64` is given, else `none`.
 */
body_type?: BodyType, 
/**
 * Exact body bytes for `raw` (no merge tags), instead of `body`.
 */
body_base64?: string, 
/**
 * Fields of a `form` or `multipart` body.
 */
form?: Array<NameValue>, 
/**
 * Files of a `multipart` body.
 */
files?: Array<FilePart>, auth?: Auth, options?: SendOptions, 
/**
 * Build and render only: nothing is sent or stored.
 */
dry_run?: boolean, 
/**
 * `inboundWebhookRequest` from this capture…
 */
capture_id?: number, 
/**
 * …or from this endpoint's mapping reference.
 */
endpoint_id?: number, 
/**
 * A contact to use instead of the saved sample contact.
 */
contact?: Record<string, unknown>, 
/**
 * Variables for `{{env.*}}`, over those of the environment.
 */
env?: Record<string, unknown>, 
/**
 * The environment (name or id) for `{{env.*}}`; default: the active one.
 */
environment?: string, };

export type FieldDiagnostic = { 
/**
 * `url`, `query[0].value`, `headers[2].name`, `body`, `form[1].value`, `auth.token`…
 */
field: string, message: string, start: number, end: number, 
/**
 * What to write instead (a full tag such as `{{contact.email}}`, or a filter name).
 */
suggestion: string | null, 
/**
 * `error`: the template is malformed there (the text is kept as written);
 * `warning`: a tag names nothing in the context (it renders empty).
 */
severity: Severity, };

export type ReplayOverrides = { method?: string, 
/**
 * Replaces the target URL's path (and query, if it has one).
 */
path?: string, 
/**
 * The headers to send instead of the captured ones.
 */
headers?: Array<NameValue>, 
/**
 * A body (text) instead of the captured one.
 */
body?: string, 
/**
 * A body (bytes, base64) instead of the captured one.
 */
body_base64?: string, 
/**
 * Keep the captured `Host` header instead of the target's.
 */
keep_host?: boolean, };

export type ReplayRequest = { 
/**
 * Where to send it. The capture's query string is added when this URL has none.
 */
url: string, overrides?: ReplayOverrides, options?: SendOptions, dry_run?: boolean, };

export type SendKind = "send" | "replay" | "forward" | "bulk";

export type SentRequest = { method: string, url: string, http_version: string, 
/**
 * In order, as written.
 */
headers: Array<Header>, 
/**
 * The head exactly as written, secrets masked.
 */
head: string, 
/**
 * The body as text (invalid UTF-8 replaced); `body_base64` holds the bytes when it is not text.
 */
body: string, body_base64?: string, body_size: number, };

export type ReceivedResponse = { status: number, reason: string, http_version: string, headers: Array<Header>, body: string, body_base64?: string, body_size: number, 
/**
 * The body was longer than the 25 MiB kept; the rest was not read.
 */
truncated: boolean, };

export type Redirect = { status: number, 
/**
 * Where it pointed.
 */
url: string, };

export type StoredSend = { id: number | null, created_at: number, kind: SendKind, 
/**
 * The capture replayed or forwarded.
 */
capture_id: number | null, 
/**
 * The bulk replay this was part of.
 */
batch_id: number | null, dry_run: boolean, request: SentRequest, response: ReceivedResponse | null, 
/**
 * Why there is no response (connection refused, timeout, TLS, a token that could not be fetched…).
 */
error: string | null, duration_ms: number | null, redirects: Array<Redirect>, 
/**
 * Template warnings (unknown tags render empty) and adjustments made.
 */
diagnostics: Array<FieldDiagnostic>, };

export type SendSummary = { id: number, created_at: number, kind: SendKind, capture_id: number | null, batch_id: number | null, method: string, url: string, status: number | null, error: string | null, duration_ms: number | null, request_size: number, response_size: number | null, };

export type SendPage = { items: Array<SendSummary>, 
/**
 * Pass as `cursor` for the next (older) page; null at the end.
 */
next_cursor: string | null, };

export type ForwardConfig = { 
/**
 * Where each capture goes; the capture's query string is added when this URL has none.
 */
url: string, 
/**
 * Off: kept, but nothing is forwarded.
 */
enabled?: boolean, 
/**
 * Send the captured `Host` header instead of the target's.
 */
keep_host?: boolean, options?: SendOptions, 
/**
 * Answer the sender with the target's response (the listener waits for
 * it; when the target cannot be reached the sender gets 502). Off: the
 * sender gets the listener's own answer at once and the forward follows.
 */
answer_with_target?: boolean, };

export type Variable = { name: string, 
/**
 * For a secret, `••••••` when read; writing `••••••` back keeps the stored value.
 */
value: string, 
/**
 * Masked in the UI, the execution log and exports.
 */
secret?: boolean, };

export type Environment = { id: number, name: string, variables: Array<Variable>, 
/**
 * The environment `{{env.*}}` uses when a request names none.
 */
active: boolean, updated_at: number, };

export type EnvironmentInput = { name: string, variables?: Array<Variable>, 
/**
 * Make it the active environment (or, false, stop it being the active one).
 */
active?: boolean, };

export type EnvironmentList = { items: Array<Environment>, };

export type Step = { name: string, 
/**
 * The logged send it came from.
 */
send_id: number, saved_at: number, 
/**
 * `{status, headers: {name: value}, body}` (the body parsed when it is JSON).
 */
response: Record<string, unknown>, };

export type StepList = { items: Array<Step>, };

export type SaveStep = { 
/**
 * Letters, digits, `_` and `-`.
 */
name: string, };

export type SavedRequest = { id: number, name: string, request: SendRequest, updated_at: number, };

export type SavedRequestInput = { name: string, request: SendRequest, };

export type SavedRequestList = { items: Array<SavedRequest>, };

export type Preset = { id: string, name: string, description: string, request: SendRequest, };

export type PresetList = { items: Array<Preset>, };

export type CurlExport = { command: string, warnings: Array<string>, };

export type CurlImport = { request: SendRequest, warnings: Array<string>, };

export type CurlCommand = { 
/**
 * A curl command line (bash, `$'…'` or Windows cmd quoting, as browsers copy it).
 */
command: string, };

export type ImportResult = { capture_ids: number[], 
/**
 * Entries left out, and why.
 */
warnings: Array<string>, };

export type Format = "har" | "ndjson" | "json";

export type RateLimit = { 
/**
 * Off: as fast as the concurrency allows.
 */
enabled?: boolean, count?: number, per_ms?: number, };

export type BulkRequest = { url: string, 
/**
 * These captures, in this order…
 */
capture_ids?: number[], 
/**
 * …or the captures a query finds (`GET /api/v1/captures` syntax), oldest first.
 */
q?: string, 
/**
 * With `q` (or alone): only this endpoint's captures.
 */
endpoint_id?: number, 
/**
 * At most this many captures (default 10,000, at most 100,000).
 */
max?: number, overrides?: ReplayOverrides, options?: SendOptions, 
/**
 * Requests in flight at once (default 4, 1 to 256).
 */
concurrency?: number, rate_limit?: RateLimit, 
/**
 * Attempts after the first on 429, 5xx or a network error (default 3, at most 10).
 */
retries?: number, 
/**
 * The first retry waits about this long; each next one twice as long (default 500 ms).
 */
backoff_ms?: number, };

export type BulkStatus = "running" | "stopped" | "finished";

export type BulkJob = { id: number, created_at: number, url: string, status: BulkStatus, total: number, 
/**
 * Items with an outcome (succeeded + failed).
 */
done: number, 
/**
 * Answered 2xx.
 */
succeeded: number, 
/**
 * Answered otherwise, or no answer, after the last retry.
 */
failed: number, 
/**
 * Attempts beyond each item's first.
 */
retries: number, finished_at: number | null, concurrency: number, rate_limit: RateLimit, 
/**
 * The last item's error or failing status, to show beside the progress.
 */
last_error: string | null, };

export type BulkItem = { index: number, capture_id: number, 
/**
 * `pending`, `ok` or `failed`.
 */
state: string, 
/**
 * The last attempt's status.
 */
status: number | null, error: string | null, attempts: number, 
/**
 * The last attempt in the execution log.
 */
send_id: number | null, };

export type BulkJobList = { items: Array<BulkJob>, };

export type BulkItemList = { items: Array<BulkItem>, };
