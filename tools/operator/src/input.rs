//! A campaign's users from a file: one id a line, or CSV with a header naming a `user_id` (or
//! `id`) column. Every line read becomes an [`Entry`]: a user id, or why the line is not one
//! (malformed, or a duplicate of an earlier line), so nothing is dropped silently. Blank lines and
//! lines starting with `#` are not entries.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, Hasher as _};
use std::io::BufRead;

use reset_core::domain::UserId;

/// One line of input, numbered from 1 as an editor numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: u64,
    /// The id as read (trimmed), or the line itself when no id could be read from it.
    pub raw: String,
    pub user: Result<UserId, Unusable>,
}

/// Why a line names no user to mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Not a user id; the detail says why.
    Malformed(String),
    /// The same id as an earlier line (`first` is its number).
    Duplicate { first: u64 },
}

impl Unusable {
    pub fn code(&self) -> &'static str {
        match self {
            Unusable::Malformed(_) => "malformed",
            Unusable::Duplicate { .. } => "duplicate",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Unusable::Malformed(why) => why.clone(),
            Unusable::Duplicate { first } => format!("the same id as line {first}"),
        }
    }
}

/// The id's longest form, as [`UserId::parse`] takes it.
const MAX_ID: usize = 256;

/// Why `raw` is not a user id (`None`: it is one).
fn why_not_an_id(raw: &str) -> Option<String> {
    if raw.is_empty() {
        Some("the id is empty".into())
    } else if raw.len() > MAX_ID {
        Some(format!("the id is {} bytes long, more than {MAX_ID}", raw.len()))
    } else if raw.chars().any(char::is_control) {
        Some("the id holds a control character".into())
    } else {
        UserId::parse(raw).err().map(|err| err.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Format {
    /// Not known until the first line that is neither blank nor a comment.
    Unknown,
    Plain,
    /// CSV: the id's column and how many columns the header has.
    Csv {
        column: usize,
        columns: usize,
    },
}

/// Reads entries from lines, numbering them and recognising duplicates. Memory: 20 bytes or so
/// per distinct id (a 128-bit hash of it and its line), so 10 million ids take about 300 MB.
pub struct Entries<R> {
    lines: std::io::Split<R>,
    line: u64,
    format: Format,
    seen: HashMap<u128, u64>,
    hashers: (std::collections::hash_map::RandomState, std::collections::hash_map::RandomState),
}

impl<R: BufRead> Entries<R> {
    pub fn new(reader: R) -> Self {
        Entries { lines: reader.split(b'\n'), line: 0, format: Format::Unknown, seen: HashMap::new(), hashers: Default::default() }
    }

    fn hash(&self, id: &str) -> u128 {
        let half = |state: &std::collections::hash_map::RandomState| {
            let mut hasher = state.build_hasher();
            hasher.write(id.as_bytes());
            hasher.finish()
        };
        (u128::from(half(&self.hashers.0)) << 64) | u128::from(half(&self.hashers.1))
    }

    /// The next entry; `Err` only when the file cannot be read.
    pub fn next_entry(&mut self) -> std::io::Result<Option<Entry>> {
        loop {
            let Some(bytes) = self.lines.next().transpose()? else { return Ok(None) };
            self.line += 1;
            let line = self.line;
            let Ok(text) = String::from_utf8(bytes) else {
                return Ok(Some(Entry { line, raw: String::new(), user: Err(Unusable::Malformed("the line is not UTF-8 text".into())) }));
            };
            let text = text.strip_suffix('\r').unwrap_or(&text);
            let text = if line == 1 { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if self.format == Format::Unknown {
                match header(trimmed) {
                    Some(csv) => {
                        self.format = csv;
                        continue;
                    }
                    None => self.format = Format::Plain,
                }
            }
            let (raw, user) = match &self.format {
                Format::Csv { column, columns } => csv_field(trimmed, *column, *columns),
                _ => plain(trimmed),
            };
            let user = match user {
                Ok(id) => {
                    let key = self.hash(id.as_ref());
                    match self.seen.get(&key) {
                        Some(first) => Err(Unusable::Duplicate { first: *first }),
                        None => {
                            self.seen.insert(key, line);
                            Ok(id)
                        }
                    }
                }
                Err(why) => Err(Unusable::Malformed(why)),
            };
            return Ok(Some(Entry { line, raw, user }));
        }
    }
}

/// A CSV header naming the id's column (`user_id`, else `id`, in any case), or `None`: a plain list.
fn header(line: &str) -> Option<Format> {
    let fields = record(line).ok()?;
    let names: Vec<String> = fields.iter().map(|f| f.trim().to_ascii_lowercase()).collect();
    let column = names.iter().position(|n| n == "user_id").or_else(|| names.iter().position(|n| n == "id"))?;
    Some(Format::Csv { column, columns: names.len() })
}

fn record(line: &str) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line.as_bytes());
    let mut out = csv::StringRecord::new();
    match reader.read_record(&mut out) {
        Ok(true) => {}
        Ok(false) => return Ok(Vec::new()),
        Err(err) => return Err(format!("not a CSV line: {err}")),
    }
    // A quote left open swallows the rest: csv reads it as one field and stops. Refuse it.
    let mut rest = csv::StringRecord::new();
    if reader.read_record(&mut rest).unwrap_or(false) || line.matches('"').count() % 2 == 1 {
        return Err("not a CSV line: a quote is not closed".into());
    }
    Ok(out.iter().map(str::to_owned).collect())
}

fn csv_field(line: &str, column: usize, columns: usize) -> (String, Result<UserId, String>) {
    let fields = match record(line) {
        Ok(fields) => fields,
        Err(why) => return (line.to_owned(), Err(why)),
    };
    if fields.len() != columns {
        return (line.to_owned(), Err(format!("{} fields where the header has {columns}", fields.len())));
    }
    let raw = fields.get(column).map(|f| f.trim().to_owned()).unwrap_or_default();
    let user = match why_not_an_id(&raw) {
        Some(why) => Err(why),
        None => UserId::parse(&raw).map_err(|err| err.to_string()),
    };
    (raw, user)
}

fn plain(line: &str) -> (String, Result<UserId, String>) {
    let raw = line.to_owned();
    if raw.contains(',') || raw.contains(char::is_whitespace) {
        let why = "more than one field on the line (a CSV file needs a header naming its user_id column)".to_owned();
        return (raw, Err(why));
    }
    let user = match why_not_an_id(&raw) {
        Some(why) => Err(why),
        None => UserId::parse(&raw).map_err(|err| err.to_string()),
    };
    (raw, user)
}

/// How many lines would become entries (for the progress bar's length), in a quick pass of its own.
pub fn count_entries(reader: impl BufRead) -> std::io::Result<u64> {
    let (mut n, mut first) = (0, true);
    for bytes in reader.split(b'\n') {
        let bytes = bytes?;
        let text = String::from_utf8_lossy(&bytes);
        let trimmed = text.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // The header is not an entry.
        if !std::mem::take(&mut first) || header(trimmed).is_none() {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(u64, String, Result<String, String>)> {
        let mut entries = Entries::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(entry) = entries.next_entry().unwrap() {
            let user = entry.user.map(|id| id.as_ref().to_owned()).map_err(|why| format!("{}: {}", why.code(), why.detail()));
            out.push((entry.line, entry.raw, user));
        }
        out
    }

    #[test]
    fn a_plain_list_skips_blanks_and_comments_and_names_every_other_line() {
        let long = "x".repeat(257);
        let text = format!("# breach 2026-12\nu-1\n\n  u-2  \r\nu-1\nu 3\nu-4,u-5\n{long}\nu-\u{7}6\n# end\nu-7");
        let got = read(&text);
        let ok = |line, id: &str| (line, id.to_owned(), Ok(id.to_owned()));
        assert_eq!(got[0], ok(2, "u-1"));
        assert_eq!(got[1], ok(4, "u-2"), "trimmed, CRLF too");
        assert_eq!(got[2], (5, "u-1".into(), Err("duplicate: the same id as line 2".into())));
        assert!(got[3].2.as_ref().unwrap_err().starts_with("malformed: more than one field"), "{:?}", got[3]);
        assert!(got[4].2.as_ref().unwrap_err().starts_with("malformed: more than one field"), "{:?}", got[4]);
        assert_eq!(got[5].2, Err("malformed: the id is 257 bytes long, more than 256".into()));
        assert_eq!(got[6].2, Err("malformed: the id holds a control character".into()));
        assert_eq!(got[7], ok(11, "u-7"));
        assert_eq!(got.len(), 8);
        assert_eq!(count_entries(text.as_bytes()).unwrap(), 8);
    }

    #[test]
    fn a_csv_file_is_read_by_its_header_and_a_bad_row_is_named() {
        let text = "\u{feff}email,User_ID,name\na@example.com,u-1,Ann\n\"b@example.com\",\" u-2 \",\"Bo, Jr\"\nc@example.com,,Cy\nd@example.com,u-4\ne@example.com,\"u-5,Eve\n# note\nf@example.com,u-1,Fay\n";
        let got = read(text);
        assert_eq!(got[0], (2, "u-1".into(), Ok("u-1".into())));
        assert_eq!(got[1], (3, "u-2".into(), Ok("u-2".into())), "quoted fields, a comma inside one");
        assert_eq!(got[2], (4, String::new(), Err("malformed: the id is empty".into())));
        assert_eq!(got[3].2, Err("malformed: 2 fields where the header has 3".into()));
        assert!(got[4].2.as_ref().unwrap_err().contains("quote is not closed"), "{:?}", got[4]);
        assert_eq!(got[5], (8, "u-1".into(), Err("duplicate: the same id as line 2".into())));
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn id_is_the_column_when_no_user_id_is_named_and_a_single_column_csv_works() {
        assert_eq!(read("id\nu-1\nu-2\n").iter().map(|e| e.2.clone().unwrap()).collect::<Vec<_>>(), ["u-1", "u-2"]);
        assert_eq!(read("user_id,id\nu-1,x\n")[0].2, Ok("u-1".into()), "user_id first");
        // "user" is not a header: a plain list whose first id is "user".
        assert_eq!(read("user\nu-1\n")[0].2, Ok("user".into()));
    }

    #[test]
    fn a_line_that_is_not_text_is_named_and_the_rest_goes_on() {
        let mut bytes = b"u-1\n".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        bytes.extend_from_slice(b"u-3\n");
        let mut entries = Entries::new(bytes.as_slice());
        let mut got = Vec::new();
        while let Some(entry) = entries.next_entry().unwrap() {
            got.push((entry.line, entry.user.map_err(|why| why.detail())));
        }
        assert_eq!(got[1], (2, Err("the line is not UTF-8 text".into())));
        assert_eq!(got[2].0, 3);
        assert!(got[2].1.is_ok());
    }
}
