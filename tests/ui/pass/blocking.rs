//! Plain `fn`s: free functions, methods with any receiver, trait impls,
//! `?` and `return` in the body, `impl Trait` output erased in the fake
//! return edge, generics, `group = PATH` and `crate = ...`.

use std::fmt::Display;
use std::sync::Arc;

use coalesce::{coalesce, Group};

static LENGTHS: Group<String, usize> = Group::new();

#[coalesce(group = LENGTHS, crate = ::coalesce)]
fn length(text: String) -> usize {
    text.len()
}

#[coalesce]
fn parse(text: &str) -> Result<u64, Arc<std::num::ParseIntError>> {
    if text.is_empty() {
        return Ok(0);
    }
    Ok(text.parse::<u64>()?)
}

struct Config {
    root: String,
}

impl Config {
    #[coalesce(key = "name")]
    fn read(&self, name: &str) -> String {
        format!("{}/{name}", self.root)
    }

    #[coalesce(key = "name")]
    fn read_mut(&mut self, name: String) -> usize {
        self.root.push('!');
        name.len()
    }

    #[coalesce]
    fn read_arc(self: Arc<Self>, id: u32) -> String {
        format!("{}{id}", self.root)
    }
}

trait Render {
    fn render(&self, id: u32) -> String;
}

impl Render for Config {
    #[coalesce(key = "id")]
    fn render(&self, id: u32) -> String {
        format!("<{}{id}>", self.root)
    }
}

#[coalesce(key = "id")]
fn shown<T: Display>(id: u64, label: T) -> String {
    format!("{label}{id}")
}

fn main() {
    assert_eq!(parse("42").unwrap(), 42);
    assert_eq!(parse("").unwrap(), 0);
    assert!(parse("x").is_err());
    let mut config = Config { root: "/etc".into() };
    assert_eq!(config.read("a"), "/etc/a");
    assert_eq!(config.read_mut("ab".into()), 2);
    assert_eq!(config.render(1), "</etc!1>");
    assert_eq!(Arc::new(config).read_arc(3), "/etc!3");
    assert_eq!(shown(1, "n"), "n1");
    assert_eq!(length("abc".into()), 3);
    assert_eq!(LENGTHS.stats().calls, 1);
}
