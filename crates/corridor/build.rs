//! Generates the list of files of the built-in scenario (`scenarios/mexico-2023`)
//! that the binary embeds: `$OUT_DIR/builtin_files.rs` holds
//! `&[(relative path, include_str!(file))]` for every `.toml` and `.csv` file in the
//! folder and its subfolders, sorted by path, so a file added to the scenario is
//! embedded without editing code.
//!
//! Invariants: hidden files (editor temporaries) are skipped; paths are
//! `/`-separated and relative to the scenario folder (the paths `scenario.toml`
//! writes in `[tables]`); cargo reruns this script whenever anything in the folder
//! changes. A missing folder gives an empty list and a build warning: the binary
//! then reports the missing built-in scenario when it is asked to run it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The built-in scenario's folder, relative to this crate.
const SCENARIO_DIR: &str = "../../scenarios/mexico-2023";

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            collect(root, &path, out);
        } else if ft.is_file() && (name.ends_with(".csv") || name.ends_with(".toml")) {
            let rel = path
                .strip_prefix(root)
                .expect("walked below the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join(SCENARIO_DIR);
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, &root, &mut files);
    } else {
        println!(
            "cargo:warning=built-in scenario folder {} not found; `corridor run` without input will fail",
            root.display()
        );
    }
    files.sort();
    let mut code = String::from("&[\n");
    for (rel, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    code.push_str("]\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("builtin_files.rs"), code).expect("writing builtin_files.rs");
}
