//! `coalesce::stats()`: one row per annotated function, named by module path,
//! type (for a method) and function name, with exact counters; generic
//! instantiations summed; functions with `group = PATH` listed too.

mod support;

use std::hash::Hash;

use coalesce::coalesce;
use support::{within, yield_once, Gate};

#[coalesce(key = "id")]
async fn lookup(id: u32, gate: Gate) -> u32 {
    gate.wait().await;
    id + 1
}

#[coalesce]
async fn echo<T: Clone + Hash + Eq + Send + Sync + 'static>(value: T) -> T {
    value
}

#[coalesce]
async fn never_called(id: u32) -> u32 {
    id
}

fn row(name: &str) -> Option<coalesce::Stats> {
    coalesce::stats()
        .into_iter()
        .find_map(|(function, stats)| (function == name).then_some(stats))
}

#[tokio::test]
async fn each_annotated_function_reports_its_counters() {
    let gate = Gate::new();
    let open = async {
        yield_once().await;
        gate.open();
    };
    let calls = async {
        tokio::join!(
            lookup(1, gate.clone()),
            lookup(1, gate.clone()),
            lookup(1, gate.clone()),
            open
        )
    };
    let (a, b, c, ()) = within(calls).await;
    assert_eq!((a, b, c), (2, 2, 2));

    let stats = row("attr_stats::lookup").expect("lookup is listed once used");
    assert_eq!(
        [
            stats.calls,
            stats.executions,
            stats.joined,
            stats.promotions,
            stats.panics
        ],
        [3, 1, 2, 0, 0]
    );
    assert_eq!(stats.in_flight, 0);
    assert!(
        row("attr_stats::never_called").is_none(),
        "registered on first use only"
    );
}

#[tokio::test]
async fn instantiations_of_a_generic_function_share_one_row() {
    assert_eq!(within(echo(5_u8)).await, 5);
    assert_eq!(within(echo(String::from("five"))).await, "five");
    let stats = row("attr_stats::echo").expect("echo is listed once used");
    assert_eq!((stats.calls, stats.executions), (2, 2));
}

struct UserRepo;
struct OrderRepo;

impl UserRepo {
    #[coalesce(key = "id")]
    async fn find(&self, id: u32) -> u32 {
        id
    }
}

impl OrderRepo {
    #[coalesce(key = "id")]
    async fn find(&self, id: u32) -> u32 {
        id * 10
    }
}

trait Repo {
    async fn find(&self, id: u32) -> u32;
}

struct PgRepo<T>(std::marker::PhantomData<T>);

impl<T: Sync> Repo for PgRepo<T> {
    #[coalesce(key = "id")]
    async fn find(&self, id: u32) -> u32 {
        id * 100
    }
}

static SHARED: coalesce::Group<u32, u32> = coalesce::Group::new();

#[coalesce(group = SHARED)]
async fn in_a_user_static(id: u32) -> u32 {
    id + 1000
}

#[tokio::test]
async fn methods_are_named_by_their_type_one_row_per_function() {
    assert_eq!(within(UserRepo.find(1)).await, 1);
    assert_eq!(within(OrderRepo.find(1)).await, 10);
    assert_eq!(within(OrderRepo.find(2)).await, 20);
    let (bytes, words) = (
        PgRepo::<u8>(Default::default()),
        PgRepo::<u16>(Default::default()),
    );
    assert_eq!(within(bytes.find(1)).await, 100);
    assert_eq!(within(words.find(1)).await, 100);

    let calls = |name| row(name).map(|stats| stats.calls);
    assert_eq!(calls("attr_stats::UserRepo::find"), Some(1));
    assert_eq!(calls("attr_stats::OrderRepo::find"), Some(2));
    assert_eq!(
        calls("<attr_stats::PgRepo as attr_stats::Repo>::find"),
        Some(2),
        "both instantiations of the generic impl, in one row"
    );
    assert!(row("attr_stats::find").is_none(), "no row without the type");
}

#[tokio::test]
async fn a_function_with_a_user_static_group_is_listed_by_its_name() {
    assert_eq!(within(in_a_user_static(1)).await, 1001);
    let stats = row("attr_stats::in_a_user_static").expect("listed once used");
    assert_eq!(stats, SHARED.stats());
    assert_eq!((stats.calls, stats.executions), (1, 1));
}
