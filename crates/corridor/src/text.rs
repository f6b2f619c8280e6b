//! Plain-text pieces the operations' summaries and tables share: thousands
//! separators and aligned tables. Rendering only; front ends decide where the
//! text goes.

/// 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let groups: Vec<String> = s
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect();
    groups.join(",")
}

/// A text table: the header, then the rows; the first column left-aligned, the
/// others right-aligned, two spaces apart, no trailing blanks.
pub fn aligned<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
    aligned_left(&header, &rows, 1)
}

/// A text table whose first `left` columns are left-aligned and the others
/// right-aligned, two spaces apart, no trailing blanks. Every row has the
/// header's number of cells.
pub fn aligned_left(header: &[String], rows: &[Vec<String>], left: usize) -> String {
    let w: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < left {
                    format!("{c:<wi$}", wi = w[i])
                } else {
                    format!("{c:>wi$}", wi = w[i])
                }
            })
            .collect();
        cells.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(8996), "8,996");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn aligned_columns() {
        let rows = [
            ["a".to_string(), "1".to_string()],
            ["bbb".into(), "22".into()],
        ];
        assert_eq!(aligned(["x", "n"], &rows), "x     n\na     1\nbbb  22\n");
    }
}
