//! `coalesce::run`: one process-wide map, keyed by the key's value and by the
//! key and value types. Each test uses its own key values, since the map is
//! shared by the whole test binary.

use crate::support::{within, yield_once, Counter, Gate};

#[tokio::test]
async fn equal_keys_of_the_same_types_share_an_execution() {
    let (runs, gate) = (Counter::new(), Gate::new());
    let call = || {
        coalesce::run("global-shared", async {
            runs.hit();
            gate.wait().await;
            String::from("value")
        })
    };
    let open = async {
        yield_once().await;
        gate.open();
    };
    let (a, b, ()) = within(async { tokio::join!(call(), call(), open) }).await;
    assert_eq!((a.as_str(), b.as_str(), runs.get()), ("value", "value", 1));
}

#[tokio::test]
async fn different_value_or_key_types_never_meet() {
    let (runs, gate) = (Counter::new(), Gate::new());
    let body = |value| {
        let (runs, gate) = (runs.clone(), gate.clone());
        async move {
            runs.hit();
            gate.wait().await;
            value
        }
    };
    let open = async {
        yield_once().await;
        gate.open();
    };
    let calls = async {
        tokio::join!(
            coalesce::run(("global-types", 1_u32), body(1_u64)),
            coalesce::run(("global-types", 1_u32), async {
                u32::try_from(body(2_u64).await).unwrap()
            }),
            coalesce::run(("global-types", 1_u64), body(3_u64)),
            open,
        )
    };
    let (a, b, c, ()) = within(calls).await;
    assert_eq!((a, b, c), (1, 2, 3));
    assert_eq!(runs.get(), 3);
}
