//! A leader whose body outlasts several leases renews its lease: the other
//! replicas keep waiting for its value instead of running the body too.

use std::time::Duration;

use coalesce::Group;

use crate::setup::Setup;
use crate::support::{within, Counter, Gate};

const NAME: &str = "renewal::find";

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_leader_keeps_its_lease() {
    const LEASE: Duration = Duration::from_millis(300);
    let Some(setup) = Setup::start("slow-leader") else {
        return;
    };
    let (a, b) = (setup.replica(LEASE).await, setup.replica(LEASE).await);
    let (group_a, group_b) = (Group::<u32, String>::new(), Group::<u32, String>::new());
    let runs = Counter::new();
    let (started, release) = (Gate::new(), Gate::new());

    let leader = group_a.run_fleet(&a, NAME, 9, async {
        runs.hit();
        started.open();
        release.wait().await;
        "from a".to_owned()
    });
    let follower = async {
        started.wait().await;
        let follower = group_b.run_fleet(&b, NAME, 9, async {
            runs.hit();
            "from b".to_owned()
        });
        // Time is what this test is about: five leases pass while b waits.
        let release_after_five_leases = async {
            setup.waiting_replicas(1).await;
            tokio::time::sleep(5 * LEASE).await;
            release.open();
        };
        tokio::join!(follower, release_after_five_leases).0
    };
    let (leader, follower) = within(async { tokio::join!(leader, follower) }).await;

    assert_eq!((leader.as_str(), follower.as_str()), ("from a", "from a"));
    assert_eq!(runs.get(), 1, "b did not take the lease over");
    assert_eq!(
        (a.stats().led, b.stats().received),
        (1, 1),
        "b: {}",
        b.stats()
    );
}
