//! Keeps every crate of the station free of import cycles between its own
//! modules: module A using items of module B while B, directly or through a
//! longer loop, uses A. A loop means no part of it can be read, changed or
//! tested without the others; the station's cache, central-sim and the
//! station's errors were untangled once (each now depends downward only) and
//! this test keeps them, and every other crate here, that way. No loop is
//! tolerated.
//!
//! How it judges: each crate's module tree is found from its root file by
//! `mod name;` declarations, and a module depends on another when its code
//! names it through `use crate::…`, `use super::…`, `use self::…`, a path
//! such as `crate::a::b` or `super::x` in the code, or a path starting with
//! one of its own child modules. A `pub use` re-export is no dependency of
//! its own, but a path through one counts as a use of the module it
//! re-exports from. Comments, string literals and `#[cfg(test)]` test
//! modules are left out: a unit test may use its neighbours freely.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's place in its crate: `[]` for the root, `["store", "items"]`.
type ModPath = Vec<String>;

/// Who uses whom, with the paths that make each use.
type Edges = BTreeMap<ModPath, BTreeMap<ModPath, BTreeSet<String>>>;

fn name(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// The source with comments, string and character literals blanked, so
/// that only code is searched for paths.
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        let word_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if !word_before && (c == 'r' || (c == 'b' && at(i + 1) == 'r')) && {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = chars[start.min(chars.len())..]
                .iter()
                .take_while(|&&h| h == '#')
                .count();
            at(start + hashes) == '"'
        } {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = chars[start..].iter().take_while(|&&h| h == '#').count();
            i = start + hashes + 1;
            while i < chars.len() && !(chars[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#')) {
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal; a lifetime (`'a`) has no closing quote.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The code without its `#[cfg(test)] mod … { … }` blocks.
fn without_test_modules(code: &str) -> String {
    let mut out = code.to_owned();
    while let Some(start) = out.find("#[cfg(test)]") {
        let after = &out[start + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        let is_inline_mod = item
            .strip_prefix("mod ")
            .and_then(|rest| rest.find(['{', ';']).map(|end| rest.as_bytes()[end] == b'{'))
            .unwrap_or(false);
        let cut_end = if is_inline_mod {
            let open = start + out[start..].find('{').expect("an inline module opens");
            let mut depth = 0;
            let mut end = out.len();
            for (offset, ch) in out[open..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + offset + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end
        } else {
            start + "#[cfg(test)]".len()
        };
        out.replace_range(start..cut_end, if is_inline_mod { "" } else { " " });
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The words of `code` at which `keyword` starts as a whole word, not after `::`.
fn keyword_at(code: &str, keyword: &str) -> Vec<usize> {
    code.match_indices(keyword)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = code[..i].chars().next_back();
            let after = code[i + keyword.len()..].chars().next();
            !before.is_some_and(|b| is_ident(b) || b == ':') && !after.is_some_and(is_ident)
        })
        .collect()
}

/// `mod name;` declarations of a file's code.
fn declared_modules(code: &str) -> Vec<String> {
    keyword_at(code, "mod")
        .into_iter()
        .filter_map(|i| {
            let rest = code[i + 3..].trim_start();
            let ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            let after = rest[ident.len()..].trim_start();
            (!ident.is_empty() && after.starts_with(';')).then_some(ident)
        })
        .collect()
}

/// Every module of the crate whose root file is `root`, with its file.
fn discover(root: &Path, read: &dyn Fn(&Path) -> Option<String>) -> BTreeMap<ModPath, (PathBuf, String)> {
    let mut mods = BTreeMap::new();
    let mut todo = vec![(ModPath::new(), root.to_owned())];
    while let Some((path, file)) = todo.pop() {
        let src = read(&file).unwrap_or_else(|| panic!("cannot read {}", file.display()));
        let code = code_only(&src);
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let dir = file.parent().unwrap_or(Path::new("."));
        let dir = if matches!(stem, "lib" | "main" | "mod") || path.is_empty() {
            dir.to_owned()
        } else {
            dir.join(stem)
        };
        for child in declared_modules(&code) {
            let candidates = [dir.join(format!("{child}.rs")), dir.join(&child).join("mod.rs")];
            if let Some(found) = candidates.into_iter().find(|c| read(c).is_some()) {
                let mut child_path = path.clone();
                child_path.push(child);
                todo.push((child_path, found));
            }
        }
        mods.insert(path, (file, without_test_modules(&code)));
    }
    mods
}

/// `a::{b, c::{d, e as f}}` as `a::b`, `a::c::d`, `a::c::e as f`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(open) = tree.find('{') else {
        return vec![tree.trim().to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for ch in inner.chars() {
        match ch {
            ',' if depth == 0 => parts.push(std::mem::take(&mut current)),
            '{' | '}' => {
                depth += if ch == '{' { 1 } else { -1 };
                current.push(ch);
            }
            _ => current.push(ch),
        }
    }
    parts.push(current);
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand_use(p))
        .map(|e| {
            if e == "self" {
                prefix.trim_end_matches(':').to_owned()
            } else {
                format!("{prefix}{e}")
            }
        })
        .collect()
}

/// Splits `a::b as c` into the path segments and the name it is known by.
fn segments_and_name(used: &str) -> (Vec<String>, String) {
    let (path, alias) = match used.split_once(" as ") {
        Some((path, alias)) => (path, Some(alias.trim())),
        None => (used, None),
    };
    let segs: Vec<String> = path
        .split("::")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let name = alias.map_or_else(|| segs.last().cloned().unwrap_or_default(), str::to_owned);
    (segs, name)
}

/// The module a path in `here` lands in, and the segments left after it.
fn resolve(
    mods: &BTreeMap<ModPath, (PathBuf, String)>,
    here: &[String],
    segs: &[String],
) -> Option<(ModPath, Vec<String>)> {
    let first = segs.first()?;
    let (mut cur, mut rest): (ModPath, &[String]) = if first == "crate" {
        (Vec::new(), &segs[1..])
    } else if first == "super" || first == "self" {
        let mut cur = here.to_vec();
        let mut rest = segs;
        while let Some(seg) = rest.first().filter(|s| *s == "super" || *s == "self") {
            if seg == "super" {
                cur.pop();
            }
            rest = &rest[1..];
        }
        (cur, rest)
    } else {
        let mut child = here.to_vec();
        child.push(first.clone());
        if !mods.contains_key(&child) {
            return None;
        }
        (here.to_vec(), segs)
    };
    while let Some(next) = rest.first() {
        let mut deeper = cur.clone();
        deeper.push(next.clone());
        if !mods.contains_key(&deeper) {
            break;
        }
        cur = deeper;
        rest = &rest[1..];
    }
    Some((cur, rest.to_vec()))
}

/// `use` statements of a module's code as (is a `pub use`, the tree), and
/// the code with them taken out.
fn uses(code: &str) -> (Vec<(bool, String)>, String) {
    let mut found = Vec::new();
    let mut rest = code.to_owned();
    for start in keyword_at(code, "use").into_iter().rev() {
        let Some(len) = code[start..].find(';') else { continue };
        let before = code[..start].trim_end();
        let public = before.ends_with("pub")
            || (before.ends_with(')') && before[..before.rfind('(').unwrap_or(0)].trim_end().ends_with("pub"));
        found.push((public, code[start + 3..start + len].to_owned()));
        rest.replace_range(start..start + len + 1, " ");
    }
    (found, rest)
}

/// Paths written in code: `crate::…`, `super::…`, `self::…` and `name::…`.
fn paths_in(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_path = is_ident(chars[i]) && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts_path {
            i += 1;
            continue;
        }
        let mut end = i;
        let mut path = String::new();
        loop {
            let word: String = chars[end..].iter().take_while(|&&c| is_ident(c)).collect();
            if word.is_empty() {
                break;
            }
            path.push_str(&word);
            end += word.chars().count();
            if chars.get(end) == Some(&':')
                && chars.get(end + 1) == Some(&':')
                && chars.get(end + 2).is_some_and(|&c| is_ident(c))
            {
                path.push_str("::");
                end += 2;
            } else {
                break;
            }
        }
        if path.contains("::") {
            out.push(path);
        }
        i = end.max(i + 1);
    }
    out
}

/// The module graph of a crate: who uses whom, by which paths.
fn module_graph(mods: &BTreeMap<ModPath, (PathBuf, String)>) -> Edges {
    let mut reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
    let mut parsed = BTreeMap::new();
    for (here, (_, code)) in mods {
        let (statements, body) = uses(code);
        for (_, tree) in statements.iter().filter(|(public, _)| *public) {
            for used in expand_use(tree) {
                let (segs, known_as) = segments_and_name(&used);
                if let Some((target, rest)) = resolve(mods, here, &segs)
                    && !rest.is_empty()
                {
                    reexports.entry(here.clone()).or_default().insert(known_as, target);
                }
            }
        }
        parsed.insert(here.clone(), (statements, body));
    }
    let mut edges = Edges::new();
    for (here, (statements, body)) in &parsed {
        let used = statements
            .iter()
            .filter(|(public, _)| !public)
            .flat_map(|(_, tree)| expand_use(tree))
            .chain(paths_in(body));
        for path in used {
            let (segs, _) = segments_and_name(&path);
            let Some((mut target, rest)) = resolve(mods, here, &segs) else {
                continue;
            };
            for _ in 0..5 {
                match rest.first().and_then(|item| reexports.get(&target)?.get(item)) {
                    Some(origin) => target = origin.clone(),
                    None => break,
                }
            }
            // Itself, or an ancestor named without an item of it.
            if target == *here || (rest.is_empty() && here.starts_with(&target)) {
                continue;
            }
            edges
                .entry(here.clone())
                .or_default()
                .entry(target)
                .or_default()
                .insert(path);
        }
    }
    edges
}

/// The strongly connected groups of more than one module (Tarjan's algorithm).
fn loops(nodes: &[ModPath], edges: &Edges) -> Vec<Vec<ModPath>> {
    struct Walk<'a> {
        edges: &'a Edges,
        index: BTreeMap<ModPath, usize>,
        low: BTreeMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on_stack: BTreeSet<ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    fn visit(walk: &mut Walk<'_>, v: &ModPath) {
        let n = walk.index.len();
        walk.index.insert(v.clone(), n);
        walk.low.insert(v.clone(), n);
        walk.stack.push(v.clone());
        walk.on_stack.insert(v.clone());
        let targets: Vec<ModPath> = walk
            .edges
            .get(v)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        for w in targets {
            if !walk.index.contains_key(&w) {
                visit(walk, &w);
                let low = walk.low[v].min(walk.low[&w]);
                walk.low.insert(v.clone(), low);
            } else if walk.on_stack.contains(&w) {
                let low = walk.low[v].min(walk.index[&w]);
                walk.low.insert(v.clone(), low);
            }
        }
        if walk.low[v] == walk.index[v] {
            let mut group = Vec::new();
            while let Some(w) = walk.stack.pop() {
                walk.on_stack.remove(&w);
                let done = w == *v;
                group.push(w);
                if done {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                walk.found.push(group);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in nodes {
        if !walk.index.contains_key(v) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

/// Each loop among the modules under `root`, described with the uses that make it.
fn cycles_of(root: &Path, read: &dyn Fn(&Path) -> Option<String>) -> Vec<String> {
    let mods = discover(root, read);
    let edges = module_graph(&mods);
    let nodes: Vec<ModPath> = mods.keys().cloned().collect();
    loops(&nodes, &edges)
        .into_iter()
        .map(|group| {
            let members: BTreeSet<&ModPath> = group.iter().collect();
            let mut text = format!(
                "loop among {}:",
                group.iter().map(|m| name(m)).collect::<Vec<_>>().join(", ")
            );
            for from in &group {
                for (to, paths) in edges.get(from).into_iter().flatten() {
                    if members.contains(to) {
                        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
                        text.push_str(&format!("\n    {} -> {}: {}", name(from), name(to), paths.join(", ")));
                    }
                }
            }
            text
        })
        .collect()
}

fn read_file(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("src-tauri sits in the repository")
        .to_owned()
}

/// Every crate root checked: pass-station's library and passctl, each
/// driver's library and its binaries.
fn crate_roots() -> Vec<PathBuf> {
    let repo = repository();
    let mut roots = vec![
        repo.join("src-tauri/src/lib.rs"),
        repo.join("src-tauri/src/bin/passctl/main.rs"),
        repo.join("src-tauri/src/bin/pass-station/main.rs"),
    ];
    let mut drivers: Vec<PathBuf> = std::fs::read_dir(repo.join("drivers"))
        .expect("the drivers folder")
        .map(|entry| entry.expect("a driver").path().join("src"))
        .filter(|src| src.join("lib.rs").is_file())
        .collect();
    drivers.sort();
    for src in drivers {
        roots.push(src.join("lib.rs"));
        if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
            let mut bins: Vec<PathBuf> = bins
                .map(|entry| entry.expect("a binary").path())
                .map(|bin| if bin.is_dir() { bin.join("main.rs") } else { bin })
                .filter(|bin| bin.extension().is_some_and(|e| e == "rs"))
                .collect();
            bins.sort();
            roots.extend(bins);
        }
    }
    roots
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let repo = repository();
    let roots = crate_roots();
    assert!(roots.len() > 8, "the crates were found: {roots:?}");
    let mut problems = Vec::new();
    for root in &roots {
        let relative = root.strip_prefix(&repo).unwrap_or(root).display().to_string();
        for cycle in cycles_of(root, &read_file) {
            problems.push(format!("{relative}: {cycle}"));
        }
    }
    assert!(
        problems.is_empty(),
        "modules that use each other (make the shared part a module both depend on):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_store_and_the_simulator_are_checked_module_by_module() {
    let repo = repository();
    let station = discover(&repo.join("src-tauri/src/lib.rs"), &read_file);
    let central = discover(&repo.join("drivers/central/src/lib.rs"), &read_file);
    let has = |mods: &BTreeMap<ModPath, (PathBuf, String)>, path: &[&str]| {
        mods.contains_key(&path.iter().map(|s| (*s).to_owned()).collect::<ModPath>())
    };
    assert!(has(&station, &["store", "card_events"]) && has(&station, &["store", "items"]));
    assert!(has(&central, &["sim", "state"]) && has(&central, &["sim", "store", "feed"]));
}

/// The checker itself finds a loop, through a re-export and a path in code,
/// and names its members; comments, strings and unit tests do not count.
#[test]
fn a_loop_is_found_and_named() {
    let files: BTreeMap<PathBuf, &str> = [
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Shared;\n"),
        ("a.rs", "use crate::b::helper;\n// crate::c::never\npub fn a() {}\n"),
        ("b.rs", "pub fn helper() { crate::Shared::new(); }\n"),
        (
            "c.rs",
            "pub struct Shared;\nfn f() { let _ = \"crate::b::x\"; super::a::a(); }\n#[cfg(test)]\nmod tests { use crate::b::helper; }\n",
        ),
    ]
    .into_iter()
    .map(|(file, text)| (PathBuf::from(file), text))
    .collect();
    let read = |path: &Path| files.get(path).map(|text| (*text).to_owned());
    let found = cycles_of(Path::new("lib.rs"), &read);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("loop among a, b, c:"), "{}", found[0]);
    assert!(found[0].contains("b -> c: crate::Shared::new"), "{}", found[0]);
    assert!(
        !found[0].contains("never") && !found[0].contains("c -> b"),
        "{}",
        found[0]
    );
}
