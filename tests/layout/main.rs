//! The layout ARCHITECTURE.md promises, checked: no import cycle among the server's modules.
//!
//! Every `.rs` file under `server/src` is a module (`a/b.rs` and `a/b/mod.rs` are `a::b`). A
//! module depends on another when its code (not its comments, not its `#[cfg(test)]` part)
//! names it by path: `crate::a::b::Item`, `super::x`, `self::y`, or a brace group
//! `use crate::a::{b, c}`. Declaring a child (`pub mod http;`) is not a dependency. The
//! dependency graph must have no cycle: a newcomer can read the modules bottom-up, and a module
//! can be moved or tested without dragging in the ones that use it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn modules(root: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut m: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if m.last().is_some_and(|s| s == "mod") {
                m.pop();
            }
            if m == ["lib"] || m == ["main"] {
                m.clear();
            }
            out.insert(m, path);
        }
    }
    out
}

/// The code of a file that counts: before its `#[cfg(test)]` part, without comment lines.
fn code(src: &str) -> String {
    let src = src.split("#[cfg(test)]").next().unwrap_or("");
    src.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Paths named in `code`, as segments from the crate root.
fn paths(code: &str, here: &Module) -> Vec<Module> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["crate::", "super::", "self::"].iter().find(|p| {
            let p: Vec<char> = p.chars().collect();
            bytes[i..].starts_with(&p) && (i == 0 || !is_ident(bytes[i - 1]))
        });
        let Some(start) = starts else {
            i += 1;
            continue;
        };
        let mut j = i;
        let mut segs: Vec<String> = Vec::new();
        let mut cur = String::new();
        while j < bytes.len() {
            let c = bytes[j];
            if is_ident(c) {
                cur.push(c);
                j += 1;
            } else if c == ':' && bytes.get(j + 1) == Some(&':') {
                segs.push(std::mem::take(&mut cur));
                j += 2;
            } else {
                break;
            }
        }
        if !cur.is_empty() {
            segs.push(cur);
        }
        let mut base: Module = match *start {
            "crate::" => Vec::new(),
            "self::" => here.clone(),
            _ => here[..here.len().saturating_sub(1)].to_vec(),
        };
        let mut rest = &segs[1..];
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
        let full: Module = base.into_iter().chain(rest.iter().cloned()).collect();
        // `use crate::a::{b, c::D}`: each member may itself be a module.
        if bytes.get(j) == Some(&'{') {
            let end = bytes[j..].iter().position(|&c| c == '}').map_or(bytes.len(), |e| j + e);
            let group: String = bytes[j + 1..end].iter().collect();
            for member in group.split(',') {
                let first = member.trim().split("::").next().unwrap_or("").split(' ').next().unwrap_or("");
                if !first.is_empty() && first != "self" {
                    out.push(full.iter().cloned().chain([first.to_owned()]).collect());
                }
            }
        }
        out.push(full);
        i = j.max(i + 1);
    }
    out
}

fn graph(root: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mods = modules(root);
    let resolve = |p: &Module| -> Option<Module> {
        (0..=p.len()).rev().map(|n| p[..n].to_vec()).find(|m| mods.contains_key(m))
    };
    mods.iter()
        .map(|(m, file)| {
            let src = code(&std::fs::read_to_string(file).unwrap());
            let deps =
                paths(&src, m).iter().filter_map(&resolve).filter(|d| d != m && !d.is_empty()).collect();
            (m.clone(), deps)
        })
        .collect()
}

/// The cycles of `g` (strongly connected components of more than one module), by Tarjan.
fn cycles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        g: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Module) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let Some((w, _)) = t.g.get_key_value(w) else { continue };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut c = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                c.push(w.clone());
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                c.sort();
                t.out.push(c);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn name(m: &Module) -> String {
    m.join("::")
}

#[test]
fn no_module_of_the_server_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src");
    let g = graph(&root);
    assert!(g.len() > 50, "found the server's modules ({} of them)", g.len());
    let found = cycles(&g);
    let described: Vec<String> = found
        .iter()
        .map(|c| {
            let set: BTreeSet<&Module> = c.iter().collect();
            let lines: Vec<String> = c
                .iter()
                .map(|m| {
                    let deps: Vec<String> = g[m].iter().filter(|d| set.contains(d)).map(name).collect();
                    format!("    {} -> {}", name(m), deps.join(", "))
                })
                .collect();
            lines.join("\n")
        })
        .collect();
    assert!(found.is_empty(), "import cycles among server modules:\n{}", described.join("\n\n"));
}

#[test]
fn the_checker_sees_a_cycle_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(dir.path().join("a/mod.rs"), "pub mod x;\n").unwrap();
    std::fs::write(dir.path().join("a/x.rs"), "use crate::b::Thing;\n// crate::nothing\n").unwrap();
    std::fs::write(
        dir.path().join("b.rs"),
        "use crate::a::{x, Other};\n#[cfg(test)]\nmod t { use crate::a; }\n",
    )
    .unwrap();
    let g = graph(dir.path());
    let found = cycles(&g);
    assert_eq!(found, vec![vec![vec!["a".to_owned(), "x".to_owned()], vec!["b".to_owned()]]]);
}
