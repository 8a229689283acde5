//! The shape of `src/`, checked: no module imports a module that imports it back, no
//! function is longer than 80 lines, no slash-command handler longer than 40.
//!
//! These read the source as text (a `use`/path scan and brace matching), which is
//! enough for this code base's formatting (rustfmt).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/` by module path (`src/a/mod.rs` is `a`, `src/lib.rs`
/// the root), without `main.rs`.
fn modules() -> BTreeMap<Module, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .filter(|p| !p.ends_with("main.rs"))
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Module = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            (module, text)
        })
        .collect()
}

/// The code of a file without comments, its `#[cfg(test)]` module and visibility
/// qualifiers.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("pub(super)", "pub")
        .replace("pub(crate)", "pub")
}

/// The import cycles of any length: each group of modules that reach each other through
/// their imports (a strongly connected component of two or more), as `a -> b -> … -> a`
/// along one path that closes it.
fn cycles(modules: &BTreeMap<Module, String>) -> Vec<String> {
    let edges: BTreeMap<&Module, BTreeSet<Module>> = modules
        .iter()
        .map(|(module, text)| (module, dependencies(modules, module, &code(text))))
        .collect();
    let reach = |from: &Module| -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(next) = stack.pop() {
            for dep in edges.get(&next).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&Module, BTreeSet<Module>> =
        edges.keys().map(|m| (*m, reach(m))).collect();
    let mut reported = BTreeSet::new();
    let mut cycles = Vec::new();
    for (a, from_a) in &reachable {
        if reported.contains(*a) || !from_a.contains(*a) {
            continue;
        }
        let group: BTreeSet<Module> = from_a
            .iter()
            .filter(|b| reachable.get(b).is_some_and(|r| r.contains(*a)))
            .cloned()
            .collect();
        reported.extend(group.iter().cloned());
        cycles.push(cycle_path(&edges, a, &group));
    }
    cycles
}

/// A path from `start` back to itself through the modules of `group` (breadth-first,
/// so the shortest), written `a -> b -> a`.
fn cycle_path(
    edges: &BTreeMap<&Module, BTreeSet<Module>>,
    start: &Module,
    group: &BTreeSet<Module>,
) -> String {
    let mut previous: BTreeMap<Module, Module> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    while let Some(next) = queue.pop_front() {
        for dep in edges.get(&next).into_iter().flatten() {
            if !group.contains(dep) || previous.contains_key(dep) {
                continue;
            }
            previous.insert(dep.clone(), next.clone());
            if dep == start {
                queue.clear();
                break;
            }
            queue.push_back(dep.clone());
        }
    }
    let mut path = vec![start.join("/")];
    let mut at = previous.get(start).cloned();
    while let Some(module) = at {
        path.push(module.join("/"));
        if &module == start {
            break;
        }
        at = previous.get(&module).cloned();
    }
    path.reverse();
    path.join(" -> ")
}

fn module(path: &str) -> Module {
    path.split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_scan_finds_modules_that_import_each_other_directly_or_around_a_longer_loop() {
    let modules: BTreeMap<Module, String> = [
        (module(""), "pub mod store; pub mod teams;".to_owned()),
        (
            module("store"),
            "pub use teams::Team;\nmod teams;".to_owned(),
        ),
        (
            module("store/teams"),
            "use super::{Store, to_db_id};".to_owned(),
        ),
        (module("events"), "use crate::port::DiscordHttp;".to_owned()),
        (
            module("port"),
            "fn f() { crate::events::is_member_message(m) }".to_owned(),
        ),
        (module("state"), "use crate::store::Store;".to_owned()),
        (module("a"), "use crate::b::B;".to_owned()),
        (module("b"), "use crate::c::C;".to_owned()),
        (module("c"), "fn f() { crate::a::g() }".to_owned()),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        cycles(&modules),
        [
            "a -> b -> c -> a",
            "events -> port -> events",
            "store -> store/teams -> store"
        ]
    );
}

/// The longest prefix of `path` that is a module file.
fn resolve(modules: &BTreeMap<Module, String>, path: &[String]) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains_key(prefix))
}

/// The modules `module` refers to: `crate::…`, `super::…` and its own children's paths.
fn dependencies(
    modules: &BTreeMap<Module, String>,
    module: &Module,
    text: &str,
) -> BTreeSet<Module> {
    let mut found = BTreeSet::new();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{' || c == ','))
        .filter(|w| !w.is_empty())
        .collect();
    for word in words {
        let (base, rest) = if let Some(rest) = word.strip_prefix("crate::") {
            (Vec::new(), rest)
        } else if let Some(rest) = word.strip_prefix("super::") {
            (module[..module.len().saturating_sub(1)].to_vec(), rest)
        } else if let Some((first, rest)) = word.split_once("::") {
            let child = [module.clone(), vec![first.to_owned()]].concat();
            if !modules.contains_key(&child) {
                continue;
            }
            (module.clone(), word.split_once("::").map_or(rest, |_| word))
        } else {
            continue;
        };
        let (path, group) = match rest.split_once('{') {
            Some((path, group)) => (path, group),
            None => (rest, ""),
        };
        let mut parts = base.clone();
        parts.extend(
            path.split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        );
        // `a::{b, c}` names b and c (each resolves to the module that holds it), not
        // `a` itself unless `self` is among them.
        let mut targets = Vec::new();
        if group.is_empty() || group.split(',').any(|i| i == "self") {
            targets.push(parts.clone());
        }
        for item in group.split(',').filter(|i| !i.is_empty() && *i != "self") {
            targets.push(
                [
                    parts.clone(),
                    vec![item.split("::").next().unwrap().to_owned()],
                ]
                .concat(),
            );
        }
        for target in targets {
            if let Some(resolved) = resolve(modules, &target)
                && resolved != *module
                && !resolved.is_empty()
            {
                found.insert(resolved);
            }
        }
    }
    found
}

#[test]
fn no_module_of_src_imports_a_module_that_imports_it_back() {
    let modules = modules();
    let scheduler = dependencies(
        &modules,
        &module("daily/scheduler"),
        &code(&modules[&module("daily/scheduler")]),
    );
    assert!(
        scheduler.contains(&module("state")),
        "the scan sees imports: {scheduler:?}"
    );
    let cycles = cycles(&modules);
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

#[test]
fn the_daily_workflow_and_the_core_rules_know_nothing_of_discord() {
    for (module, text) in modules() {
        let code = code(&text);
        if module
            .first()
            .is_some_and(|m| m == "daily" || m == "core" || m == "storage")
        {
            let name = module.join("/");
            assert!(!code.contains("crate::discord"), "{name} imports discord/");
            assert!(!code.contains("serenity"), "{name} uses serenity");
        }
    }
}

#[test]
fn the_core_rules_read_no_file_no_clock_and_no_database() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::env",
        "std::process",
        "tokio",
        "sqlx",
        "reqwest",
        "Utc::now",
        "Local::now",
        "SystemTime",
        "Instant::now",
        "read_to_string",
        "read_dir",
        ".is_dir()",
    ];
    let mut found = Vec::new();
    for (module, text) in modules() {
        if module.first().is_some_and(|m| m == "core") {
            let code = code(&text);
            for word in forbidden.iter().filter(|w| code.contains(**w)) {
                found.push(format!("{} uses {word}", module.join("/")));
            }
        }
    }
    assert!(found.is_empty(), "core/ must stay pure: {found:#?}");
}

/// Each function of `text` (outside tests): its name, its first line, its length, and
/// whether it is a slash-command handler.
fn functions(text: &str) -> Vec<(String, usize, usize, bool)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    // Set by a `poise::command` attribute, however many lines it spans, and taken by
    // the next function: that function is a slash-command handler.
    let mut attributed = false;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[poise::command") || trimmed.starts_with("#[command") {
            attributed = true;
        }
        let signature = [
            "fn ",
            "pub fn ",
            "async fn ",
            "pub async fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "pub(crate) async fn ",
            "pub(super) async fn ",
        ]
        .iter()
        .find_map(|prefix| trimmed.strip_prefix(prefix));
        let Some(signature) = signature else { continue };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened, mut end) = (0i32, false, index);
        for (offset, body) in lines[index..].iter().enumerate() {
            if !opened && body.trim_end().ends_with(';') {
                break;
            }
            for c in body.chars() {
                match c {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth == 0 {
                end = index + offset;
                break;
            }
        }
        let handler = std::mem::take(&mut attributed);
        found.push((name, index + 1, end + 1 - index, handler));
    }
    found
}

#[test]
fn no_function_is_longer_than_80_lines_and_no_slash_handler_longer_than_40() {
    let mut too_long = Vec::new();
    for (module, text) in modules() {
        for (name, line, length, handler) in functions(&text) {
            let limit = if handler { 40 } else { 80 };
            if length > limit {
                too_long.push(format!(
                    "{}:{line} {name}: {length} lines (limit {limit})",
                    module.join("/")
                ));
            }
        }
    }
    assert!(too_long.is_empty(), "{too_long:#?}");
}

#[test]
fn the_length_scan_measures_a_function_from_its_signature_to_its_closing_brace() {
    let body = "    let x = 1;\n".repeat(85);
    let text = format!(
        "/// A handler.\n#[poise::command(slash_command)]\npub async fn long(ctx: Context<'_>) -> Result<(), Error> {{\n{body}}}\n\nfn short() {{}}\n"
    );
    let found = functions(&text);
    assert_eq!(
        found,
        [
            ("long".to_owned(), 3, 87, true),
            ("short".to_owned(), 91, 1, false)
        ]
    );
}

#[test]
fn a_handler_is_found_by_its_attribute_however_far_above_its_signature() {
    let options = "    subcommands(\"a\"),\n".repeat(12);
    let text = format!(
        "/// A handler.\n#[poise::command(\n    slash_command,\n{options})]\n/// More words.\n\
         pub(crate) async fn setup(ctx: Context<'_>) -> Result<(), Error> {{\n}}\n\nfn helper() {{\n}}\n"
    );
    let found = functions(&text);
    assert_eq!(
        found,
        [
            ("setup".to_owned(), 18, 2, true),
            ("helper".to_owned(), 21, 2, false)
        ]
    );
}
