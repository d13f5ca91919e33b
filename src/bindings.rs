//! TypeScript types for the UI, generated from the Rust types the API speaks
//! (ts-rs), so they are never written twice. `ui/src/lib/api/bindings.ts` is
//! committed; a test fails when it no longer matches (run it with
//! `UPDATE_BINDINGS=1` to rewrite the file).

use ts_rs::TS;

/// The whole bindings file.
pub fn typescript() -> String {
    let decls = [
        crate::model::Header::decl(),
        crate::model::Endpoint::decl(),
        crate::model::EndpointList::decl(),
        crate::model::HeaderSource::decl(),
        crate::model::SentResponse::decl(),
        crate::model::CaptureSummary::decl(),
        crate::model::Capture::decl(),
        crate::model::CapturePage::decl(),
        crate::model::Dialect::decl(),
        crate::search::SavedFilter::decl(),
        crate::search::NewSavedFilter::decl(),
        crate::search::SavedFilterList::decl(),
        crate::search::event_id::EventIdKind::decl(),
        crate::search::event_id::EventIdSource::decl(),
        crate::search::event_id::EventIdPreset::decl(),
        crate::search::event_id::EventIdConfig::decl(),
        crate::search::event_id::Delivery::decl(),
        crate::search::event_id::Deliveries::decl(),
        crate::model::Retention::decl(),
        crate::model::Settings::decl(),
        crate::decode::BodyKind::decl(),
        crate::decode::FormField::decl(),
        crate::decode::Part::decl(),
        crate::decode::Decoded::decl(),
        <serde_json::Value as TS>::decl(),
        crate::capture::ListenerState::decl(),
        crate::capture::ListenerStatus::decl(),
        crate::capture::ListenerChange::decl(),
        crate::events::Event::decl(),
        crate::prefs::Theme::decl(),
        crate::prefs::WindowGeometry::decl(),
        crate::prefs::Preferences::decl(),
        crate::prefs::PreferencesPatch::decl(),
        crate::api::types::Info::decl(),
        crate::api::types::CreateEndpoint::decl(),
        crate::api::types::PatchEndpoint::decl(),
        crate::api::types::PatchCapture::decl(),
        crate::api::types::ErrorBody::decl(),
        crate::api::types::ErrorDetail::decl(),
        crate::analysis::diff::CaptureRef::decl(),
        crate::analysis::diff::ChangeArea::decl(),
        crate::analysis::diff::ChangeKind::decl(),
        crate::analysis::diff::Change::decl(),
        crate::analysis::diff::BodyDiffKind::decl(),
        crate::analysis::diff::BodyDiff::decl(),
        crate::analysis::diff::DiffResult::decl(),
        crate::analysis::lines::LineOpKind::decl(),
        crate::analysis::lines::LineOp::decl(),
        crate::analysis::schema::FieldStat::decl(),
        crate::analysis::schema::FieldTable::decl(),
        crate::analysis::mapping::RefField::decl(),
        crate::analysis::mapping::MappingReference::decl(),
        crate::analysis::mapping::SetReference::decl(),
        crate::analysis::mapping::Transform::decl(),
        crate::analysis::mapping::MappingRule::decl(),
        crate::analysis::mapping::Mapping::decl(),
        crate::analysis::mapping::MappingExport::decl(),
        crate::analysis::mapping::PreviewValue::decl(),
        crate::analysis::mapping::MappingPreview::decl(),
        crate::analysis::mapping::TypeChange::decl(),
        crate::analysis::mapping::MappingCheck::decl(),
        crate::template::Severity::decl(),
        crate::template::Diagnostic::decl(),
        crate::template::Mode::decl(),
        crate::template::Rendered::decl(),
        crate::api::template::RenderRequest::decl(),
        crate::api::template::SampleContact::decl(),
        crate::api::template::MergeTagInfo::decl(),
        crate::api::template::MergeTags::decl(),
        crate::outbound::spec::NameValue::decl(),
        crate::outbound::spec::FilePart::decl(),
        crate::outbound::spec::BodyType::decl(),
        crate::outbound::spec::ApiKeyIn::decl(),
        crate::outbound::spec::OAuthGrant::decl(),
        crate::outbound::spec::ClientAuth::decl(),
        crate::outbound::spec::Auth::decl(),
        crate::outbound::spec::SendOptions::decl(),
        crate::outbound::spec::TemplateContext::decl(),
        crate::outbound::spec::SendRequest::decl(),
        crate::outbound::spec::FieldDiagnostic::decl(),
        crate::outbound::spec::ReplayOverrides::decl(),
        crate::outbound::spec::ReplayRequest::decl(),
        crate::outbound::log::SendKind::decl(),
        crate::outbound::log::SentRequest::decl(),
        crate::outbound::log::ReceivedResponse::decl(),
        crate::outbound::log::Redirect::decl(),
        crate::outbound::log::StoredSend::decl(),
        crate::outbound::log::SendSummary::decl(),
        crate::outbound::log::SendPage::decl(),
        crate::outbound::forward::ForwardConfig::decl(),
        crate::outbound::library::Variable::decl(),
        crate::outbound::library::Environment::decl(),
        crate::outbound::library::EnvironmentInput::decl(),
        crate::outbound::library::EnvironmentList::decl(),
        crate::outbound::library::Step::decl(),
        crate::outbound::library::StepList::decl(),
        crate::outbound::library::SaveStep::decl(),
        crate::outbound::library::SavedRequest::decl(),
        crate::outbound::library::SavedRequestInput::decl(),
        crate::outbound::library::SavedRequestList::decl(),
        crate::outbound::presets::Preset::decl(),
        crate::outbound::presets::PresetList::decl(),
        crate::interop::curl::CurlExport::decl(),
        crate::interop::curl::CurlImport::decl(),
        crate::api::interop::CurlCommand::decl(),
        crate::api::interop::ImportResult::decl(),
        crate::interop::export::Format::decl(),
        crate::outbound::bulk::RateLimit::decl(),
        crate::outbound::bulk::BulkRequest::decl(),
        crate::outbound::bulk::BulkStatus::decl(),
        crate::outbound::bulk::BulkJob::decl(),
        crate::outbound::bulk::BulkItem::decl(),
        crate::outbound::bulk::BulkJobList::decl(),
        crate::outbound::bulk::BulkItemList::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test` (src/bindings.rs). Do not edit.\n\
         // Ids and times are numbers: ids stay far below 2^53, times are ms since the epoch.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ui_bindings_match_the_rust_types() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/api/bindings.ts");
        let want = super::typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is out of date with the Rust types: run `UPDATE_BINDINGS=1 cargo test --lib bindings`",
            path.display()
        );
    }
}
