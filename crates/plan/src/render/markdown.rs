//! The Markdown rendering: a pull-request comment.
//!
//! Summary line first; a caution banner when anything is destroyed or replaced; counts per
//! kind; the full text plan in a collapsed `<details>` block as a `diff` code fence (so GitHub
//! colours additions and removals). GitHub refuses comments over 65,536 characters, so the
//! comment stays below [`MARKDOWN_LIMIT`]: the plan block is cut at a line boundary when it must
//! be, the summary is always kept, and the comment says what was cut.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use spec::Kind;

use super::{destroys, is_shown, render_text};
use crate::model::{Action, Plan, Risk};

/// Every Markdown rendering is shorter than this many characters.
pub const MARKDOWN_LIMIT: usize = 65_000;

/// How many destroyed or replaced objects the banner names before it summarises the rest.
const BANNER_NAMES: usize = 20;

/// The plan as a pull-request comment.
pub fn render_markdown(plan: &Plan) -> String {
    let mut head = String::new();
    let summary = &plan.summary;
    let nothing = plan.steps.is_empty();
    if nothing {
        let _ = writeln!(
            head,
            "**brickform plan: no changes.** The account matches the spec (account `{}`).",
            plan.target.account_id
        );
    } else {
        let _ = writeln!(
            head,
            "**brickform plan: {} to add, {} to change, {} to destroy.** (account `{}`)",
            summary.add, summary.change, summary.destroy, plan.target.account_id
        );
    }
    banner(&mut head, plan);
    counts(&mut head, plan);
    if !plan.notes.is_empty() {
        head.push('\n');
        for note in &plan.notes {
            let _ = writeln!(head, "- {}", escape_inline(note));
        }
    }
    if nothing {
        return head;
    }
    let text = diff_text(&render_text(plan, false));
    let opening = "\n<details><summary>Show the plan</summary>\n\n```diff\n";
    let closing = "```\n\n</details>\n";
    let whole = head.len() + opening.len() + text.len() + closing.len();
    if whole < MARKDOWN_LIMIT {
        return format!("{head}{opening}{text}{closing}");
    }
    // Cut the plan so that head, the block and the notice fit, at a line boundary.
    let notice_room = 300;
    let budget =
        MARKDOWN_LIMIT.saturating_sub(head.len() + opening.len() + closing.len() + notice_room);
    let mut kept = 0;
    for line in text.split_inclusive('\n') {
        if kept + line.len() > budget {
            break;
        }
        kept += line.len();
    }
    let cut_lines = text[kept..].lines().count();
    let notice = format!(
        "\n_The plan was cut to fit a comment: {cut_lines} more line{} not shown. Render it in full with `brickform show PLANFILE` from `brickform plan --out PLANFILE`._\n",
        if cut_lines == 1 { "" } else { "s" }
    );
    format!("{head}{opening}{}{closing}{notice}", &text[..kept])
}

/// A GitHub caution when anything is destroyed or replaced, naming the objects and risks.
fn banner(out: &mut String, plan: &Plan) {
    let destroyed: Vec<String> = plan
        .resource_changes
        .iter()
        .filter(|change| destroys(change.action))
        .map(|change| {
            let what = match change.action {
                Action::Delete if change.previous_object => "previous object deleted",
                Action::Delete => "deleted",
                Action::Recreate => "recreated",
                _ => "replaced",
            };
            format!("`{}` ({what})", change.address)
        })
        .collect();
    if destroyed.is_empty() {
        return;
    }
    let data_loss = plan
        .resource_changes
        .iter()
        .filter(|change| change.risk == Risk::DataLoss)
        .count();
    let count = destroyed.len();
    let _ = writeln!(out, "\n> [!CAUTION]");
    let _ = write!(
        out,
        "> This plan destroys or replaces {count} object{}: ",
        if count == 1 { "" } else { "s" }
    );
    let named: Vec<&str> = destroyed
        .iter()
        .take(BANNER_NAMES)
        .map(String::as_str)
        .collect();
    out.push_str(&named.join(", "));
    if count > BANNER_NAMES {
        let _ = write!(out, " and {} more", count - BANNER_NAMES);
    }
    out.push_str(".\n");
    if data_loss > 0 {
        let _ = writeln!(
            out,
            "> {data_loss} change{} risk{} **data loss**.",
            if data_loss == 1 { "" } else { "s" },
            if data_loss == 1 { "s" } else { "" }
        );
    }
}

/// A table of add / change / destroy counts per kind.
fn counts(out: &mut String, plan: &Plan) {
    let mut per_kind: BTreeMap<Kind, [usize; 3]> = BTreeMap::new();
    for change in plan
        .resource_changes
        .iter()
        .filter(|change| is_shown(change))
    {
        let entry = per_kind.entry(change.address.kind).or_default();
        match change.action {
            Action::Create => entry[0] += 1,
            Action::Update | Action::Redeploy => entry[1] += 1,
            Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst | Action::Recreate => {
                entry[0] += 1;
                entry[2] += 1;
            }
            Action::Delete => entry[2] += 1,
            Action::Wait | Action::NoOp | Action::Read => {}
        }
    }
    per_kind.retain(|_, counts| counts.iter().any(|count| *count > 0));
    if per_kind.is_empty() {
        return;
    }
    out.push_str("\n| kind | add | change | destroy |\n| --- | ---: | ---: | ---: |\n");
    for (kind, [add, change, destroy]) in per_kind {
        let _ = writeln!(out, "| {kind} | {add} | {change} | {destroy} |");
    }
}

/// The text plan for a `diff` fence: an update's `~` becomes `!` so GitHub highlights it, and
/// a fence inside a value cannot close the block early.
fn diff_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let line = line.replace("```", "`\u{200b}``");
        match line.strip_prefix("~ ") {
            Some(rest) => {
                out.push_str("! ");
                out.push_str(rest);
            }
            None => out.push_str(&line),
        }
    }
    out
}

/// Keeps a note from turning into Markdown structure.
fn escape_inline(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}
