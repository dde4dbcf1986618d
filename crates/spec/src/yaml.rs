//! YAML text to a tree of nodes that all carry their byte range.
//!
//! serde derives stop at the first unknown field or type error; a spec must instead report every
//! problem at once. So the text is first turned into this plain tree (from the event stream of
//! the parser under `serde-saphyr`, which it re-exports), and the decoder in [`crate::raw`] walks
//! the tree, collecting diagnostics as it goes.
//!
//! The tree keeps what a type check needs: the exact scalar text and whether it was quoted, so
//! `deployment_name: 0123` stays `0123` and `public_access_enabled: "false"` is a string, not a
//! boolean. Aliases are expanded (within a budget, against "billion laughs" documents) and merge
//! keys (`<<: *defaults`) are applied here, so the decoder sees plain mappings.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, Span as ParserSpan};

use crate::diagnostic::{Code, Diagnostics, Pending};
use crate::source::{Loc, SourceId};

/// One YAML node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) loc: Loc,
    pub(crate) value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Mapping(Vec<Entry>),
    Sequence(Vec<Node>),
    Scalar(Scalar),
}

/// A mapping entry; keys are always scalars (anything else is reported and dropped).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) key_loc: Loc,
    pub(crate) value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    pub(crate) text: String,
    pub(crate) kind: ScalarKind,
}

/// What a scalar is under the YAML 1.2 core schema. Quoted and block scalars are always strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarKind {
    Null,
    Bool(bool),
    Integer,
    Float,
    /// A plain (unquoted) string.
    Plain,
    /// A quoted or block string, or one tagged `!!str`.
    Quoted,
}

impl Node {
    /// A short description of the node's type for "expected X, found Y" messages.
    pub(crate) fn describe(&self) -> &'static str {
        match &self.value {
            Value::Mapping(_) => "a mapping",
            Value::Sequence(_) => "a list",
            Value::Scalar(scalar) => match scalar.kind {
                ScalarKind::Null => "nothing",
                ScalarKind::Bool(_) => "a boolean",
                ScalarKind::Integer => "an integer",
                ScalarKind::Float => "a number",
                ScalarKind::Plain | ScalarKind::Quoted => "a string",
            },
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(
            &self.value,
            Value::Scalar(Scalar {
                kind: ScalarKind::Null,
                ..
            })
        )
    }

    fn size(&self) -> usize {
        match &self.value {
            Value::Mapping(entries) => {
                1 + entries
                    .iter()
                    .map(|entry| entry.value.size())
                    .sum::<usize>()
            }
            Value::Sequence(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Scalar(_) => 1,
        }
    }
}

/// Parses every document of a source. A syntax error ends the source (a YAML parser cannot
/// resynchronise reliably) but not the load: other sources are still checked.
pub(crate) fn parse(source: SourceId, text: &str, diagnostics: &mut Diagnostics) -> Vec<Node> {
    let mut options = Options::default();
    options.emit_comments = false;
    let mut builder = Builder {
        source,
        documents: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        parsed_nodes: 0,
        expanded_nodes: 0,
        diagnostics,
    };
    for next in Parser::new_from_str_with_options(text, options) {
        match next {
            Ok((event, span)) => builder.event(event, span, text),
            Err(error) => {
                let offset = error
                    .marker()
                    .byte_offset()
                    .unwrap_or_else(|| char_to_byte(text, error.marker().index()));
                let end = next_char_end(text, offset);
                builder.diagnostics.push(
                    Pending::new(
                        Code::YamlSyntax,
                        Loc::new(source, offset, end),
                        format!("invalid YAML: {}", error.kind()),
                    )
                    .help("fix the YAML syntax; nothing else in this file is checked until then"),
                );
                return Vec::new();
            }
        }
    }
    builder.documents
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(index, _)| index)
}

fn next_char_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .chars()
        .next()
        .filter(|character| *character != '\n')
        .map_or(offset, |character| offset + character.len_utf8())
}

/// Alias expansion may add this many nodes beyond the ones written, or as many as were written
/// if that is more: generous for real specs, fatal for exponential alias bombs.
const ALIAS_BUDGET: usize = 100_000;

struct Builder<'a> {
    source: SourceId,
    documents: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    parsed_nodes: usize,
    expanded_nodes: usize,
    diagnostics: &'a mut Diagnostics,
}

enum Frame {
    Document,
    Mapping {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        /// Key to entry index, built once a mapping is large enough for a linear duplicate
        /// check to matter (a section with thousands of resources).
        index: Option<HashMap<String, usize>>,
        pending_key: Option<Node>,
        /// Set once a key has been reported, so its value is dropped silently.
        skip_value: bool,
    },
    Sequence {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
}

impl Builder<'_> {
    fn loc(&self, span: &ParserSpan) -> Loc {
        let range = span.byte_range().unwrap_or(0..0);
        Loc::new(self.source, range.start, range.end)
    }

    fn event(&mut self, event: Event<'_>, span: ParserSpan, text: &str) {
        match event {
            Event::DocumentStart(..) => self.stack.push(Frame::Document),
            Event::DocumentEnd => {
                self.stack.pop();
            }
            Event::MappingStart(_, anchor, tag) => {
                self.check_tag(tag.as_deref().map(ToString::to_string), &span);
                self.stack.push(Frame::Mapping {
                    start: self.loc(&span).start as usize,
                    anchor,
                    entries: Vec::new(),
                    index: None,
                    pending_key: None,
                    skip_value: false,
                });
            }
            Event::SequenceStart(_, anchor, tag) => {
                self.check_tag(tag.as_deref().map(ToString::to_string), &span);
                self.stack.push(Frame::Sequence {
                    start: self.loc(&span).start as usize,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    start,
                    anchor,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    let end = entries
                        .iter()
                        .map(|entry| entry.value.loc.end.max(entry.key_loc.end) as usize)
                        .max()
                        .unwrap_or_else(|| self.loc(&span).end as usize);
                    let end = trim_end(text, start, end);
                    let entries = self.apply_merge_keys(entries);
                    let node = Node {
                        loc: Loc::new(self.source, start, end),
                        value: Value::Mapping(entries),
                    };
                    self.complete(node, anchor);
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence {
                    start,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    let end = items.last().map_or_else(
                        || self.loc(&span).end as usize,
                        |item| item.loc.end as usize,
                    );
                    let end = trim_end(text, start, end.max(self.flow_end(&span, text)));
                    let node = Node {
                        loc: Loc::new(self.source, start, end),
                        value: Value::Sequence(items),
                    };
                    self.complete(node, anchor);
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.as_deref().map(ToString::to_string);
                self.check_tag(tag.clone(), &span);
                let kind = scalar_kind(&value, style, tag.as_deref());
                let node = Node {
                    loc: self.loc(&span),
                    value: Value::Scalar(Scalar {
                        text: value.into_owned(),
                        kind,
                    }),
                };
                self.complete(node, anchor);
            }
            Event::Alias(id) => {
                let loc = self.loc(&span);
                match self.anchors.get(&id) {
                    Some(node) => {
                        let size = node.size();
                        let budget = ALIAS_BUDGET.max(self.parsed_nodes);
                        if self.expanded_nodes + size > budget {
                            self.diagnostics.push(
                                Pending::new(
                                    Code::UnsupportedYaml,
                                    loc,
                                    "aliases expand to too many nodes",
                                )
                                .label("this alias goes over the budget")
                                .help(format!(
                                    "aliases may add at most {budget} nodes to a document"
                                )),
                            );
                            self.complete_without_anchor(null_at(loc));
                        } else {
                            self.expanded_nodes += size;
                            let node = node.clone();
                            self.complete_without_anchor(node);
                        }
                    }
                    None => {
                        self.diagnostics.push(
                            Pending::new(
                                Code::UnsupportedYaml,
                                loc,
                                "alias refers to a node that contains it",
                            )
                            .help("a recursive structure cannot be a spec value"),
                        );
                        self.complete_without_anchor(null_at(loc));
                    }
                }
            }
            _ => {}
        }
    }

    /// A flow collection's closing bracket, so that `[a, b]` underlines the brackets too.
    fn flow_end(&self, span: &ParserSpan, text: &str) -> usize {
        let loc = self.loc(span);
        let closing = &text[loc.start as usize..loc.end as usize];
        if closing == "]" || closing == "}" {
            loc.end as usize
        } else {
            0
        }
    }

    fn check_tag(&mut self, tag: Option<String>, span: &ParserSpan) {
        let Some(tag) = tag else { return };
        if tag.starts_with("tag:yaml.org,2002:") {
            return;
        }
        let loc = span
            .tag_span()
            .map_or_else(|| self.loc(span), |tag_span| self.loc(&tag_span));
        self.diagnostics.push(
            Pending::new(
                Code::UnsupportedYaml,
                loc,
                format!("unsupported YAML tag `{tag}`"),
            )
            .label("specs do not use custom tags")
            .help("remove the tag; only the standard `!!str`, `!!int`, ... tags are allowed"),
        );
    }

    fn complete(&mut self, node: Node, anchor: usize) {
        self.parsed_nodes += 1;
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.complete_without_anchor(node);
    }

    fn complete_without_anchor(&mut self, node: Node) {
        match self.stack.last_mut() {
            None | Some(Frame::Document) => {
                if !node.is_null() {
                    self.documents.push(node);
                }
            }
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                entries,
                index,
                pending_key,
                skip_value,
                ..
            }) => match pending_key.take() {
                None => {
                    *skip_value = !matches!(node.value, Value::Scalar(_));
                    if *skip_value {
                        self.diagnostics.push(
                            Pending::new(
                                Code::UnsupportedYaml,
                                node.loc,
                                format!("mapping key is {}", node.describe()),
                            )
                            .label("keys must be plain strings")
                            .help("use a string key, e.g. `name: value`"),
                        );
                    }
                    *pending_key = Some(node);
                }
                Some(key) => {
                    if *skip_value {
                        *skip_value = false;
                        return;
                    }
                    let Value::Scalar(Scalar { text: key_text, .. }) = key.value else {
                        return;
                    };
                    let first = match index {
                        Some(index) => index.get(&key_text).map(|&position| &entries[position]),
                        None => entries.iter().find(|entry| entry.key == key_text),
                    };
                    if let Some(first) = first {
                        let first_loc = first.key_loc;
                        self.diagnostics.push(
                            Pending::new(
                                Code::DuplicateKey,
                                key.loc,
                                format!("duplicate key `{key_text}`"),
                            )
                            .label("defined again here")
                            .secondary(first_loc, "first defined here")
                            .help("remove one of them; YAML keys must be unique within a mapping"),
                        );
                        return;
                    }
                    if let Some(index) = index {
                        index.insert(key_text.clone(), entries.len());
                    } else if entries.len() >= 32 {
                        let mut built: HashMap<String, usize> = entries
                            .iter()
                            .enumerate()
                            .map(|(position, entry)| (entry.key.clone(), position))
                            .collect();
                        built.insert(key_text.clone(), entries.len());
                        *index = Some(built);
                    }
                    entries.push(Entry {
                        key: key_text,
                        key_loc: key.loc,
                        value: node,
                    });
                }
            },
        }
    }

    /// Applies YAML merge keys: `<<: *base` (or a list of them) adds the entries of the merged
    /// mappings that the mapping does not set itself.
    fn apply_merge_keys(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        if !entries.iter().any(|entry| entry.key == "<<") {
            return entries;
        }
        let mut own = Vec::with_capacity(entries.len());
        let mut merged = Vec::new();
        for entry in entries {
            if entry.key != "<<" {
                own.push(entry);
                continue;
            }
            let sources = match entry.value.value {
                Value::Mapping(_) => vec![entry.value],
                Value::Sequence(items) => items,
                Value::Scalar(_) => vec![entry.value],
            };
            for source in sources {
                match source.value {
                    Value::Mapping(source_entries) => merged.extend(source_entries),
                    _ => self.diagnostics.push(
                        Pending::new(
                            Code::UnsupportedYaml,
                            source.loc,
                            format!(
                                "merge key `<<` needs a mapping, found {}",
                                source.describe()
                            ),
                        )
                        .help("write `<<: *anchor` where the anchor names a mapping"),
                    ),
                }
            }
        }
        for entry in merged {
            if !own.iter().any(|existing| existing.key == entry.key) {
                own.push(entry);
            }
        }
        own
    }
}

/// The end of a node, without trailing whitespace or line breaks.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let end = end.min(text.len()).max(start);
    start + text[start..end].trim_end().len()
}

fn null_at(loc: Loc) -> Node {
    Node {
        loc,
        value: Value::Scalar(Scalar {
            text: String::new(),
            kind: ScalarKind::Null,
        }),
    }
}

/// Resolves a scalar's type with the YAML 1.2 core schema.
fn scalar_kind(text: &str, style: ScalarStyle, tag: Option<&str>) -> ScalarKind {
    match tag.and_then(|tag| tag.strip_prefix("tag:yaml.org,2002:")) {
        Some("str") => return ScalarKind::Quoted,
        Some("null") => return ScalarKind::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return ScalarKind::Quoted;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => ScalarKind::Null,
        "true" | "True" | "TRUE" => ScalarKind::Bool(true),
        "false" | "False" | "FALSE" => ScalarKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => ScalarKind::Float,
        _ if is_integer(text) => ScalarKind::Integer,
        _ if is_float(text) => ScalarKind::Float,
        _ => ScalarKind::Plain,
    }
}

fn is_integer(text: &str) -> bool {
    if let Some(octal) = text.strip_prefix("0o") {
        return !octal.is_empty() && octal.bytes().all(|byte| (b'0'..=b'7').contains(&byte));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|byte| byte.is_ascii_hexdigit());
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(index) => (&body[..index], Some(&body[index + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) => {
            digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !whole.is_empty() && digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        !exponent.is_empty() && digits(exponent)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    fn parse_one(text: &str) -> (Vec<Node>, Vec<String>) {
        let mut sources = Sources::default();
        let id = sources.add("test.yaml", text);
        let mut diagnostics = Diagnostics::default();
        let nodes = parse(id, text, &mut diagnostics);
        let messages = diagnostics
            .finish(&sources)
            .into_iter()
            .map(|diagnostic| {
                format!(
                    "{} {} {}",
                    diagnostic.code, diagnostic.primary.span, diagnostic.message
                )
            })
            .collect();
        (nodes, messages)
    }

    fn mapping(node: &Node) -> &[Entry] {
        match &node.value {
            Value::Mapping(entries) => entries,
            other => panic!("not a mapping: {other:?}"),
        }
    }

    #[test]
    fn scalars_keep_their_text_and_core_schema_type() {
        let (nodes, messages) = parse_one("a: 0123\nb: \"false\"\nc: false\nd: 1.5\ne:\nf: no\n");
        assert!(messages.is_empty(), "{messages:?}");
        let kinds: Vec<(String, String, ScalarKind)> = mapping(&nodes[0])
            .iter()
            .map(|entry| match &entry.value.value {
                Value::Scalar(scalar) => (entry.key.clone(), scalar.text.clone(), scalar.kind),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("a".into(), "0123".into(), ScalarKind::Integer),
                ("b".into(), "false".into(), ScalarKind::Quoted),
                ("c".into(), "false".into(), ScalarKind::Bool(false)),
                ("d".into(), "1.5".into(), ScalarKind::Float),
                ("e".into(), "~".into(), ScalarKind::Null),
                ("f".into(), "no".into(), ScalarKind::Plain),
            ]
        );
    }

    #[test]
    fn locations_cover_the_source_text_of_each_node() {
        let text = "top:\n  list: [a, bb]\n  name: \"ñandú\"\n";
        let (nodes, _) = parse_one(text);
        let top = &mapping(&nodes[0])[0].value;
        let entries = mapping(top);
        let slice = |loc: Loc| &text[loc.start as usize..loc.end as usize];
        assert_eq!(slice(entries[0].key_loc), "list");
        assert_eq!(slice(entries[0].value.loc), "[a, bb]");
        assert_eq!(slice(entries[1].value.loc), "\"ñandú\"");
        assert_eq!(slice(top.loc), "list: [a, bb]\n  name: \"ñandú\"");
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_places() {
        let (_, messages) = parse_one("a: 1\nb: 2\na: 3\n");
        assert_eq!(messages, ["E0002 test.yaml:3:1 duplicate key `a`"]);
    }

    #[test]
    fn duplicates_are_found_in_large_mappings_too() {
        let mut text: String = (0..100)
            .map(|index| format!("k{index}: {index}\n"))
            .collect();
        text.push_str("k7: again\n");
        let (_, messages) = parse_one(&text);
        assert_eq!(messages, ["E0002 test.yaml:101:1 duplicate key `k7`"]);
    }

    #[test]
    fn merge_keys_and_aliases_are_expanded() {
        let (nodes, messages) =
            parse_one("base: &base {x: 1, y: 2}\nthing:\n  <<: *base\n  y: 3\n");
        assert!(messages.is_empty(), "{messages:?}");
        let thing = mapping(&mapping(&nodes[0])[1].value);
        let pairs: Vec<(&str, &str)> = thing
            .iter()
            .map(|entry| match &entry.value.value {
                Value::Scalar(scalar) => (entry.key.as_str(), scalar.text.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(pairs, [("y", "3"), ("x", "1")]);
    }

    #[test]
    fn alias_bombs_are_cut_off() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let previous = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        let (_, messages) = parse_one(&text);
        assert!(
            messages
                .iter()
                .any(|message| message.contains("too many nodes")),
            "{messages:?}"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let (nodes, messages) = parse_one("a: 1\nb: [x, y\nc: 2\n");
        assert!(nodes.is_empty());
        assert_eq!(messages.len(), 1);
        assert!(messages[0].starts_with("E0001 test.yaml:"), "{messages:?}");
    }
}
