//! A zip archive of a directory's files, stored (not compressed): the
//! "Download" of an ensemble directory exactly as the CLI writes it. Stored
//! entries keep this a few lines (local headers, central directory, end record)
//! with no compression dependency; the files are small CSV/JSON/HTML.
//!
//! Invariants: entries are the directory's regular files in name order, each
//! under `<folder>/<file name>`; sizes fit in 32 bits (an ensemble directory is
//! far smaller) or the archive is refused.

use std::path::Path;

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// The zip bytes of `dir`'s files under `folder/`.
pub fn zip_dir(dir: &Path, folder: &str) -> std::io::Result<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out = Vec::new();
    let mut central = Vec::new();
    let too_big = || std::io::Error::other("the directory is too large for a zip download");
    for n in &names {
        let data = std::fs::read(dir.join(n))?;
        let path = format!("{folder}/{n}");
        let crc = crc32fast::hash(&data);
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        // Local file header: version 2.0, no flags, stored, no date (1980-01-01).
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, 0x21);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, path.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(&data);
        // Central directory entry.
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20);
        u16le(&mut central, 20);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0x21);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, path.len() as u16);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(path.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, names.len() as u16);
    u16le(&mut out, names.len() as u16);
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the stored entries back by walking the local headers (what any
    /// unzip does first), checking each CRC against the content.
    #[test]
    fn entries_round_trip_with_their_crc() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("b.csv"), "x,y\n1,2\n").unwrap();
        std::fs::write(d.path().join("a.json"), "{}\n").unwrap();
        let z = zip_dir(d.path(), "ens").unwrap();
        let mut at = 0;
        let mut got = Vec::new();
        while u32::from_le_bytes(z[at..at + 4].try_into().unwrap()) == 0x0403_4b50 {
            let crc = u32::from_le_bytes(z[at + 14..at + 18].try_into().unwrap());
            let size = u32::from_le_bytes(z[at + 18..at + 22].try_into().unwrap()) as usize;
            let nlen = u16::from_le_bytes(z[at + 26..at + 28].try_into().unwrap()) as usize;
            let name = String::from_utf8(z[at + 30..at + 30 + nlen].to_vec()).unwrap();
            let data = &z[at + 30 + nlen..at + 30 + nlen + size];
            assert_eq!(crc32fast::hash(data), crc);
            got.push((name, String::from_utf8(data.to_vec()).unwrap()));
            at += 30 + nlen + size;
        }
        assert_eq!(
            got,
            vec![
                ("ens/a.json".to_string(), "{}\n".to_string()),
                ("ens/b.csv".to_string(), "x,y\n1,2\n".to_string())
            ]
        );
        // End of central directory: two entries.
        let end = &z[z.len() - 22..];
        assert_eq!(
            u32::from_le_bytes(end[0..4].try_into().unwrap()),
            0x0605_4b50
        );
        assert_eq!(u16::from_le_bytes(end[10..12].try_into().unwrap()), 2);
    }
}
