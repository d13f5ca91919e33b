fn main() {
    // The desktop commands the UI may call; each gets an `allow-…` permission,
    // granted to the engine's UI origin at run time (see `setup` in main.rs).
    let commands =
        tauri_build::AppManifest::new().commands(&["get_preferences", "update_preferences", "copy_text"]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(commands)).expect("tauri build step");
}
