//! The text rendering: one block per resource with Terraform's symbols, then the summary line.
//!
//! ```text
//! ~ workspaces.sales  abcsales (1234567890123456)
//!     ~ credentials: "0a1b…" (acme-cross-account) → (known after apply: credentials.main)
//!     # a PATCH of credentials_id; the credential configuration can be switched ...
//!     # risk: disruptive
//! ```
//!
//! Compound values (tag maps, subnet lists) that change are shown as a unified diff of their
//! pretty JSON. Colour is only added when asked for; the text reads the same without it.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use owo_colors::OwoColorize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::{is_shown, symbol, verb};
use crate::fields::{Shape, field_spec, field_specs, normalize};
use crate::fresh::label_of_wire;
use crate::model::{Action, FieldChange, FieldEffect, Plan, PlanMode, ResourceChange, Risk};

/// The plan as text; ANSI colours when `color` is set.
pub fn render_text(plan: &Plan, color: bool) -> String {
    let painter = Painter { color };
    let names = names_of(plan);
    let mut out = String::new();
    let shown: Vec<&ResourceChange> = plan
        .resource_changes
        .iter()
        .filter(|change| is_shown(change))
        .collect();
    if plan.steps.is_empty() {
        for change in &shown {
            block(&mut out, change, &names, &painter);
            out.push('\n');
        }
        for note in &plan.notes {
            let _ = writeln!(out, "note: {note}");
        }
        if !plan.notes.is_empty() {
            out.push('\n');
        }
        let what = if plan.options.mode == PlanMode::Destroy {
            "Nothing of the spec exists in the account"
        } else {
            "The account matches the spec"
        };
        let _ = writeln!(
            out,
            "{} {what} ({} resource{}).",
            painter.bold("No changes."),
            plan.resource_changes.len(),
            plural(plan.resource_changes.len())
        );
        return out;
    }
    let doing = if plan.options.mode == PlanMode::Destroy {
        "destroy the spec's resources"
    } else {
        "perform these actions"
    };
    let _ = writeln!(
        out,
        "brickform will {doing} on account {} ({}):",
        plan.target.account_id, plan.target.host
    );
    let actions: BTreeSet<usize> = shown
        .iter()
        .map(|change| legend_order(change.action))
        .collect();
    let legend: Vec<String> = actions
        .into_iter()
        .map(|position| {
            let action = LEGEND[position];
            format!(
                "{} {}",
                painter.action(action, symbol(action)),
                verb(action)
            )
        })
        .collect();
    let _ = writeln!(out, "  {}", legend.join(", "));
    for change in &shown {
        out.push('\n');
        block(&mut out, change, &names, &painter);
    }
    if !plan.notes.is_empty() {
        out.push('\n');
        for note in &plan.notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    out.push('\n');
    let summary = &plan.summary;
    let _ = writeln!(
        out,
        "{}",
        painter.bold(&format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            summary.add, summary.change, summary.destroy
        ))
    );
    out
}

const LEGEND: [Action; 9] = [
    Action::Create,
    Action::Update,
    Action::ReplaceDeleteFirst,
    Action::ReplaceCreateFirst,
    Action::Redeploy,
    Action::Recreate,
    Action::Delete,
    Action::Wait,
    Action::NoOp,
];

fn legend_order(action: Action) -> usize {
    LEGEND
        .iter()
        .position(|known| *known == action)
        .unwrap_or(0)
}

/// Object names by id, from what the plan read, to annotate ids.
fn names_of(plan: &Plan) -> HashMap<&str, String> {
    plan.reads
        .iter()
        .map(|read| (read.id.as_str(), label_of_wire(read.kind, &read.object)))
        .collect()
}

fn block(
    out: &mut String,
    change: &ResourceChange,
    names: &HashMap<&str, String>,
    painter: &Painter,
) {
    let kind = change.address.kind;
    let object = change
        .change
        .before
        .as_ref()
        .or(change.change.after.as_ref());
    let label = object
        .map(|object| label_of_wire(kind, object))
        .unwrap_or_default();
    let mut header = format!(
        "{} {}",
        painter.action(change.action, symbol(change.action)),
        painter.bold(&change.address.to_string())
    );
    if change.previous_object {
        header.push_str("  previous object");
    }
    if !label.is_empty() {
        let _ = write!(header, "  {label}");
    }
    if let Some(id) = &change.live_id {
        let _ = write!(header, " ({id})");
    }
    let _ = writeln!(out, "{header}");
    match change.action {
        Action::Create => {
            if let Some(after) = &change.change.after {
                new_object(out, kind, after, names);
            }
        }
        Action::Delete | Action::Wait => {}
        _ => {
            for field in &change.fields {
                field_line(out, kind, field, names, painter);
            }
        }
    }
    for reason in &change.reasons {
        let _ = writeln!(out, "    {}", painter.dim(&format!("# {reason}")));
    }
    match change.risk {
        Risk::None => {}
        Risk::Disruptive => {
            let _ = writeln!(out, "    {}", painter.yellow("# risk: disruptive"));
        }
        Risk::DataLoss => {
            let _ = writeln!(out, "    {}", painter.red("# risk: data_loss"));
        }
    }
}

/// Every field of a new object, in table order.
fn new_object(out: &mut String, kind: spec::Kind, after: &Value, names: &HashMap<&str, String>) {
    let normalized = normalize(kind, after);
    let width = field_specs(kind)
        .iter()
        .filter(|spec| normalized.contains_key(spec.field))
        .map(|spec| spec.field.len())
        .max()
        .unwrap_or(0);
    for spec in field_specs(kind) {
        let Some(value) = normalized.get(spec.field) else {
            continue;
        };
        let _ = writeln!(
            out,
            "    {:<width$} = {}",
            spec.field,
            value_text(spec.shape, Some(value), names)
        );
    }
}

fn field_line(
    out: &mut String,
    kind: spec::Kind,
    field: &FieldChange,
    names: &HashMap<&str, String>,
    painter: &Painter,
) {
    let shape = field_spec(kind, &field.field).map_or(Shape::Text, |spec| spec.shape);
    let (marker, note) = match field.effect {
        FieldEffect::InPlace => ("~", String::new()),
        FieldEffect::ForcesReplacement => {
            ("~", format!("  {}", painter.red("# forces replacement")))
        }
        FieldEffect::Ignored => (
            " ",
            format!("  {}", painter.dim("# ignored: lifecycle.ignore_changes")),
        ),
    };
    let compound = |value: &Option<Value>| {
        value.as_ref().is_some_and(|value| {
            matches!(value, Value::Object(map) if map.len() > 1)
                || matches!(value, Value::Array(items) if items.len() > 1)
        })
    };
    let multi_line = |value: &Option<Value>| {
        value
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|text| text.contains('\n'))
    };
    if compound(&field.before) || compound(&field.after) {
        let _ = writeln!(out, "    {marker} {}:{note}", field.field);
        let before = pretty(&field.before);
        let after = pretty(&field.after);
        unified(out, &before, &after, painter);
        return;
    }
    if multi_line(&field.before) || multi_line(&field.after) {
        let _ = writeln!(out, "    {marker} {}:{note}", field.field);
        let text = |value: &Option<Value>| {
            value
                .as_ref()
                .and_then(Value::as_str)
                .map(|text| format!("{text}\n"))
                .unwrap_or_default()
        };
        unified(out, &text(&field.before), &text(&field.after), painter);
        return;
    }
    let _ = writeln!(
        out,
        "    {marker} {}: {} → {}{note}",
        field.field,
        value_text(shape, field.before.as_ref(), names),
        value_text(shape, field.after.as_ref(), names)
    );
}

/// A unified diff of two texts, indented under a field.
fn unified(out: &mut String, before: &str, after: &str, painter: &Painter) {
    let diff = TextDiff::from_lines(before, after);
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        let text = match change.tag() {
            ChangeTag::Equal => format!("        {line}"),
            ChangeTag::Delete => painter.red(&format!("      - {line}")),
            ChangeTag::Insert => painter.green(&format!("      + {line}")),
        };
        let _ = writeln!(out, "{text}");
    }
}

/// A compound value one entry per line, without the separators that would make an unchanged
/// entry look changed in a line diff.
fn pretty(value: &Option<Value>) -> String {
    let mut text = String::new();
    match value {
        Some(Value::Object(map)) => {
            for (key, item) in map {
                let _ = writeln!(text, "{} = {item}", Value::String(key.clone()));
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                let _ = writeln!(text, "{item}");
            }
        }
        Some(other) => {
            let _ = writeln!(text, "{other}");
        }
        None => {}
    }
    text
}

/// A value as shown: JSON, `(none)`, placeholders bare, ids with the name of their object.
fn value_text(shape: Shape, value: Option<&Value>, names: &HashMap<&str, String>) -> String {
    let Some(value) = value else {
        return "(none)".to_owned();
    };
    let one = |item: &Value| -> String {
        match item {
            Value::String(text) if text.starts_with("(known after apply") => text.clone(),
            Value::String(text) => {
                let quoted = Value::String(text.clone()).to_string();
                match (shape, names.get(text.as_str())) {
                    (Shape::Reference(_) | Shape::ReferenceSet(_), Some(name))
                        if !name.is_empty() =>
                    {
                        format!("{quoted} ({name})")
                    }
                    _ => quoted,
                }
            }
            other => other.to_string(),
        }
    };
    match value {
        Value::Array(items) => {
            format!("[{}]", items.iter().map(one).collect::<Vec<_>>().join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(key, item)| format!("{}: {}", Value::String(key.clone()), one(item)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => one(other),
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// ANSI styling that disappears when colour is off.
struct Painter {
    color: bool,
}

impl Painter {
    fn action(&self, action: Action, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        match action {
            Action::Create => text.green().bold().to_string(),
            Action::Update => text.yellow().bold().to_string(),
            Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst | Action::Delete => {
                text.red().bold().to_string()
            }
            Action::Redeploy | Action::Recreate => text.magenta().bold().to_string(),
            Action::Wait => text.cyan().bold().to_string(),
            Action::NoOp | Action::Read => text.to_owned(),
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_owned()
        }
    }

    fn dim(&self, text: &str) -> String {
        if self.color {
            text.dimmed().to_string()
        } else {
            text.to_owned()
        }
    }

    fn red(&self, text: &str) -> String {
        if self.color {
            text.red().to_string()
        } else {
            text.to_owned()
        }
    }

    fn green(&self, text: &str) -> String {
        if self.color {
            text.green().to_string()
        } else {
            text.to_owned()
        }
    }

    fn yellow(&self, text: &str) -> String {
        if self.color {
            text.yellow().to_string()
        } else {
            text.to_owned()
        }
    }
}
