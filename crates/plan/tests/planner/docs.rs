//! `specs/plan-format.md` stays true: its rule table section is generated from the rule
//! table the planner uses.

use std::path::PathBuf;

const START: &str = "<!-- rules:start (generated from crates/plan/src/rules.rs) -->\n";
const END: &str = "<!-- rules:end -->";

fn document() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/plan-format.md")
}

#[test]
fn the_documented_rule_table_is_the_one_the_planner_uses() {
    let path = document();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        panic!("{} lacks the rule table markers", path.display());
    };
    let generated = brickform_plan::rules::rules_markdown();
    let documented = &text[start + START.len()..end];
    if documented == generated {
        return;
    }
    if std::env::var_os("BRICKFORM_UPDATE_DOCS").is_some() {
        let updated = format!("{}{START}{generated}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "the rule table in specs/plan-format.md is stale; regenerate it with\n  \
         BRICKFORM_UPDATE_DOCS=1 cargo test -p brickform-plan --test planner docs"
    );
}
