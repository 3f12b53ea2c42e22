//! The API surface: statics, auto traits, `Debug`, borrowed lookups.

use std::cell::Cell;

use coalesce::Group;

use crate::support::{within, yield_once, Gate};

static IN_A_STATIC: Group<String, Vec<u8>> = Group::new();

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>(_: &T) {}

#[test]
fn a_group_is_send_and_sync_even_when_its_output_is_not_sync() {
    assert_send_sync::<Group<String, Vec<u8>>>();
    assert_send_sync::<Group<u8, Cell<u8>>>();
    let group: Group<u8, Cell<u8>> = Group::new();
    assert_send(&group.run(1, async { Cell::new(1) }));
    assert_send(&coalesce::run(1_u8, async { Cell::new(1) }));
}

#[test]
fn debug_shows_the_number_of_keys_in_flight() {
    let group: Group<u8, u8> = Group::default();
    assert_eq!(format!("{group:?}"), "Group { in_flight: 0, .. }");
}

#[tokio::test]
async fn a_static_group_is_looked_up_by_borrowed_keys() {
    let gate = Gate::new();
    let probe = async {
        yield_once().await;
        let seen = (
            IN_A_STATIC.in_flight(),
            IN_A_STATIC.is_in_flight("user:1"),
            IN_A_STATIC.is_in_flight("user:2"),
        );
        gate.open();
        seen
    };
    let call = IN_A_STATIC.run("user:1".to_owned(), async {
        gate.wait().await;
        vec![1]
    });
    let (value, seen) = within(async { tokio::join!(call, probe) }).await;
    assert_eq!(value, [1]);
    assert_eq!(seen, (1, true, false));
    assert!(!IN_A_STATIC.is_in_flight("user:1"));
}
