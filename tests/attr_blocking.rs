//! `#[coalesce]` on a plain `fn`: threads with equal keys share one
//! execution, with the same delivery, panic and stats as the async form.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use coalesce::coalesce;
use support::{panic_text, wait_until};

static LOADS: AtomicUsize = AtomicUsize::new(0);

/// Waits, on this thread, until `calls` calls of `function` have registered.
fn wait_for_calls(function: &str, calls: u64) {
    wait_until("the callers' registration", || {
        coalesce::stats()
            .into_iter()
            .find(|(name, _)| *name == function)
            .is_some_and(|(_, stats)| stats.calls >= calls)
    });
}

#[coalesce(key = "path")]
fn load_config(path: &str, callers: u64) -> Result<String, Arc<std::io::Error>> {
    LOADS.fetch_add(1, Ordering::SeqCst);
    wait_for_calls("attr_blocking::load_config", callers);
    if path.is_empty() {
        return Err(Arc::new(std::io::Error::other("no path")));
    }
    Ok(format!("contents of {path}"))
}

#[test]
fn sixteen_threads_behind_a_barrier_load_once() {
    let barrier = Barrier::new(16);
    let loaded: Vec<_> = thread::scope(|scope| {
        let calls: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    load_config("app.toml", 16)
                })
            })
            .collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    });
    assert!(loaded
        .iter()
        .all(|loaded| loaded.as_deref().unwrap() == "contents of app.toml"));
    assert_eq!(LOADS.load(Ordering::SeqCst), 1);
}

struct Templates {
    renders: AtomicUsize,
}

impl Templates {
    #[coalesce(key = "name")]
    fn render(&self, name: &str) -> String {
        self.renders.fetch_add(1, Ordering::SeqCst);
        assert_ne!(name, "broken", "template {name} does not parse");
        format!("<{name}>")
    }
}

#[test]
fn a_method_runs_on_the_calling_thread_and_its_panic_continues_there() {
    let templates = Templates {
        renders: AtomicUsize::new(0),
    };
    assert_eq!(templates.render("home"), "<home>");
    assert_eq!(
        templates.render("home"),
        "<home>",
        "not a cache: it runs again"
    );
    assert_eq!(templates.renders.load(Ordering::SeqCst), 2);

    let leader = thread::scope(|scope| scope.spawn(|| templates.render("broken")).join());
    let payload = leader.expect_err("the leader panics");
    assert!(panic_text(&*payload).contains("template broken does not parse"));
    assert_eq!(
        templates.render("home"),
        "<home>",
        "the panic left nothing behind"
    );
}
