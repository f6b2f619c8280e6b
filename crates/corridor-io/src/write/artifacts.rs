//! [`RunArtifacts`]: every file of a run directory rendered in memory, then
//! written together (all temporaries first, then all renames).

use super::atomic::{sync_dir, write_temp};
use super::{
    has_camp_data, render_daily_csv, render_monthly_csv, render_network_json, render_observed_csv,
    render_observed_monthly_csv, render_out_csv, render_ports_csv, render_summary_json, InputKind,
    RunMeta, WriteError,
};
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use std::fs;
use std::path::{Path, PathBuf};

/// Every output file of one run, rendered in memory, ready to be written together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunArtifacts {
    files: Vec<(String, Vec<u8>)>,
}

impl RunArtifacts {
    /// Renders out.csv (Flee inputs only), daily.csv, observed.csv (when the
    /// scenario has camp data), ports.csv (when it has ports), monthly.csv (when it
    /// has ports or crossings), observed_monthly.csv (when the scenario ships
    /// observed monthly encounters, `meta.encounters`), network.json and
    /// summary.json. Nothing is written.
    pub fn render(
        scenario: &Scenario,
        run: &RunOutput,
        meta: &RunMeta,
    ) -> Result<RunArtifacts, WriteError> {
        let mut a = RunArtifacts::default();
        if meta.input_kind == InputKind::Flee {
            a.add("out.csv", render_out_csv(scenario, run)?);
        }
        a.add("daily.csv", render_daily_csv(scenario, run)?);
        if has_camp_data(scenario) {
            a.add("observed.csv", render_observed_csv(scenario, run)?);
        }
        let border = &scenario.border;
        if !border.ports.is_empty() {
            a.add("ports.csv", render_ports_csv(scenario, run)?);
        }
        if !border.ports.is_empty() || !border.crossings.is_empty() {
            a.add("monthly.csv", render_monthly_csv(scenario, run));
        }
        if let Some(obs) = &meta.encounters {
            a.add("observed_monthly.csv", render_observed_monthly_csv(obs));
        }
        a.add("network.json", render_network_json(scenario)?);
        a.add("summary.json", render_summary_json(scenario, run, meta)?);
        Ok(a)
    }

    /// Adds (or replaces) a file by name.
    pub fn add(&mut self, name: &str, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = bytes,
            None => self.files.push((name.to_string(), bytes)),
        }
    }

    /// The bytes of a rendered file.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// The manifest entries of the files, hashed from the bytes in memory (so
    /// that sealing the directory does not read them back).
    pub fn manifest_entries(&self) -> Vec<super::ManifestEntry> {
        self.files
            .iter()
            .map(|(n, b)| super::ManifestEntry::of(n, b))
            .collect()
    }

    /// File names in the order they are written.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// Writes every file into `dir` (created if missing): all temporaries first,
    /// then all renames. On error no file of this set is left in `dir` (files it
    /// had already replaced are removed). Returns the written paths in order.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut temps: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(self.files.len());
        let cleanup = |temps: &[(PathBuf, PathBuf)]| {
            for (tmp, _) in temps {
                let _ = fs::remove_file(tmp);
            }
        };
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            match write_temp(&path, bytes) {
                Ok(tmp) => temps.push((tmp, path)),
                Err(e) => {
                    cleanup(&temps);
                    return Err(e);
                }
            }
        }
        let mut written = Vec::with_capacity(temps.len());
        for (i, (tmp, path)) in temps.iter().enumerate() {
            if let Err(source) = fs::rename(tmp, path) {
                // Leave no mix of new and old outputs: this run's files go too.
                cleanup(&temps[i..]);
                for p in &written {
                    let _ = fs::remove_file(p);
                }
                return Err(WriteError::Io {
                    path: path.clone(),
                    source,
                });
            }
            written.push(path.clone());
        }
        sync_dir(dir);
        Ok(written)
    }
}
