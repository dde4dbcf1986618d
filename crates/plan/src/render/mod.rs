//! Renderings of a plan, each a `String`: text for a terminal, JSON for machines, Markdown for
//! a pull-request comment. Nothing here prints.

mod markdown;
mod text;

pub use markdown::{MARKDOWN_LIMIT, render_markdown};
pub use text::render_text;

use crate::model::{Action, Plan, ResourceChange};

/// The plan as pretty JSON (the saved-plan format), with a final newline.
pub fn render_json(plan: &Plan) -> String {
    let mut json = serde_json::to_string_pretty(plan).expect("a plan serialises to JSON");
    json.push('\n');
    json
}

/// The symbol of an action, as Terraform users know them.
pub(crate) fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::ReplaceDeleteFirst => "-/+",
        Action::ReplaceCreateFirst => "+/-",
        Action::Delete => "-",
        Action::Redeploy | Action::Recreate => "!",
        Action::Wait => "…",
        Action::NoOp | Action::Read => "=",
    }
}

/// What an action does, in the legend.
pub(crate) fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update in place",
        Action::ReplaceDeleteFirst => "replace (delete, then create)",
        Action::ReplaceCreateFirst => "replace (create, then delete)",
        Action::Delete => "destroy",
        Action::Redeploy => "redeploy a FAILED workspace",
        Action::Recreate => "recreate a FAILED workspace",
        Action::Wait => "wait for a PROVISIONING workspace",
        Action::NoOp => "unchanged (differences ignored by `lifecycle.ignore_changes`)",
        Action::Read => "read",
    }
}

/// Whether a change is shown in the human renderings: no-ops and reads are not, except a
/// no-op whose differences `lifecycle.ignore_changes` hides, which says so.
pub(crate) fn is_shown(change: &ResourceChange) -> bool {
    match change.action {
        Action::Read => false,
        Action::NoOp => !change.fields.is_empty(),
        _ => true,
    }
}

/// Whether an action deletes a live object.
pub(crate) fn destroys(action: Action) -> bool {
    matches!(
        action,
        Action::Delete | Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst | Action::Recreate
    )
}
