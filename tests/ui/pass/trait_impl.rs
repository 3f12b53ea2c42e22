//! Native `async fn` in a trait impl, including a trait that requires `Send`.

use std::future::Future;

use coalesce::coalesce;

trait Users {
    async fn find(&self, id: u64) -> Option<String>;
}

trait SendUsers {
    fn find(&self, id: u64) -> impl Future<Output = Option<String>> + Send;
}

struct Db;

impl Users for Db {
    #[coalesce]
    async fn find(&self, id: u64) -> Option<String> {
        Some(format!("user {id}"))
    }
}

impl SendUsers for Db {
    #[coalesce]
    async fn find(&self, id: u64) -> Option<String> {
        Some(format!("sendable {id}"))
    }
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(Users::find(&Db, 1).await.as_deref(), Some("user 1"));
        assert_eq!(SendUsers::find(&Db, 2).await.as_deref(), Some("sendable 2"));
    });
}
