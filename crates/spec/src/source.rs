//! Spec sources (files, `--var` values, variable files) and positions inside them.
//!
//! Positions are kept as compact byte ranges ([`Loc`]) while a spec is parsed and validated, and
//! turned into [`Span`]s with 1-based lines and columns only when a diagnostic is reported: most
//! positions are never shown, and a 10,000-resource spec has hundreds of thousands of them.

use std::fmt;
use std::sync::Arc;

/// One named text to load: a spec file, usually, or a variable file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How diagnostics name it, e.g. `specs/prod.yaml`.
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Identifies a source within one [`Sources`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub(crate) u32);

/// Every text a load read, so that diagnostics can quote the lines they point at.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
struct SourceFile {
    name: Arc<str>,
    text: String,
    /// Byte offset of the start of every line; the first is always 0.
    line_starts: Vec<usize>,
}

impl Sources {
    pub(crate) fn add(&mut self, name: &str, text: &str) -> SourceId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        self.files.push(SourceFile {
            name: Arc::from(name),
            text: text.to_owned(),
            line_starts,
        });
        SourceId(u32::try_from(self.files.len() - 1).expect("fewer than 2^32 sources"))
    }

    /// The name a source was loaded under.
    pub fn name(&self, id: SourceId) -> &str {
        &self.files[id.0 as usize].name
    }

    /// The full text of a source.
    pub fn text(&self, id: SourceId) -> &str {
        &self.files[id.0 as usize].text
    }

    /// Every source, in load order.
    pub fn ids(&self) -> impl Iterator<Item = SourceId> + '_ {
        (0..self.files.len()).map(|index| SourceId(index as u32))
    }

    /// The 1-based line `line` of a source, without its line break; empty past the end.
    pub fn line(&self, id: SourceId, line: u32) -> &str {
        let file = &self.files[id.0 as usize];
        let Some(&start) = file.line_starts.get(line.saturating_sub(1) as usize) else {
            return "";
        };
        let end = file
            .line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(file.text.len());
        file.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The slice of source text a location covers.
    pub(crate) fn slice(&self, loc: Loc) -> &str {
        let text = self.text(loc.source);
        text.get(loc.start as usize..loc.end as usize)
            .unwrap_or_default()
    }

    /// Turns a compact location into a reportable span with lines and columns.
    pub(crate) fn span(&self, loc: Loc) -> Span {
        let file = &self.files[loc.source.0 as usize];
        let start = clamp_to_char_boundary(&file.text, loc.start as usize);
        let end = clamp_to_char_boundary(&file.text, (loc.end as usize).max(start));
        let (line, column) = file.line_column(start);
        let (end_line, end_column) = file.line_column(end);
        Span {
            source: loc.source,
            file: Arc::clone(&file.name),
            start,
            end,
            line,
            column,
            end_line,
            end_column,
        }
    }
}

impl SourceFile {
    /// The 1-based line and column (in characters) of a byte offset.
    fn line_column(&self, offset: usize) -> (u32, u32) {
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line_index as u32 + 1, column as u32)
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A byte range in one source: the compact position every parsed node carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Loc {
    pub(crate) source: SourceId,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Loc {
    pub(crate) fn new(source: SourceId, start: usize, end: usize) -> Loc {
        Loc {
            source,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// A sub-range, given as byte offsets relative to this location's start.
    pub(crate) fn sub(self, start: usize, end: usize) -> Loc {
        Loc::new(
            self.source,
            self.start as usize + start,
            self.start as usize + end,
        )
    }
}

/// Where a diagnostic points: a byte range in a named source, with 1-based lines and columns
/// (columns count characters, as editors and GitHub annotations do).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    pub source: SourceId,
    pub file: Arc<str>,
    /// Byte offsets into the source text, end exclusive.
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_offsets_count_bytes() {
        let mut sources = Sources::default();
        let id = sources.add("a.yaml", "name: \"ñandú ☃\"\nx: y\n");
        let text = sources.text(id);
        let offset = text.find("x:").unwrap();
        let span = sources.span(Loc::new(id, offset, offset + 1));
        assert_eq!((span.line, span.column), (2, 1));
        let offset = text.find('☃').unwrap();
        let span = sources.span(Loc::new(id, offset, offset + '☃'.len_utf8()));
        assert_eq!((span.line, span.column, span.end_column), (1, 14, 15));
        assert_eq!(sources.line(id, 2), "x: y");
        assert_eq!(sources.line(id, 9), "");
    }
}
