//! The memos of PromQL analyses and query semantics start again when they
//! reach their byte budget (`syntax::memo_budget`): a long language-server
//! session must not keep every expression it ever saw. What a run finds must
//! not depend on it. (Its own test binary: the budget is process-wide.)

use std::path::{Path, PathBuf};

use o11ylint::engine::{self, Options};
use o11ylint::outputs::render;
use o11ylint::policy::Policy;

fn lint(root: &Path) -> String {
    let policy = match Policy::discover(root, None, o11ylint::rules::catalog()) {
        Ok(p) => p,
        Err(e) => panic!("policy of {}: {e:?}", root.display()),
    };
    let out = engine::run(&Options::new(root.to_path_buf(), vec![]), &policy);
    render::json::render(&out.diagnostics, &out.summary)
}

#[test]
fn findings_do_not_depend_on_the_memo_budget() {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // this repository (contracts, so a catalogue) and every rule's fixtures
    let roots = [here.clone(), here.join("tests/fixtures")];
    let roomy: Vec<String> = roots.iter().map(|r| lint(r)).collect();
    assert!(
        roomy[1].contains("\"OL900\"") && roomy[1].contains("\"OL904\""),
        "the fixtures exercise the query-semantics rules"
    );
    // a budget a few expressions fill: the memos start again all the time
    o11ylint::syntax::set_memo_budget(4096);
    let cramped: Vec<String> = roots.iter().map(|r| lint(r)).collect();
    assert_eq!(roomy, cramped);
}
