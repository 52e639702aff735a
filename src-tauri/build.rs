//! Build script of the desktop shell: embeds `tauri.conf.json`, the icons and `ui/dist`.

fn main() {
    tauri_build::build()
}
