//! Every receiver form, with and without `self` in the key.

use std::sync::Arc;

use coalesce::coalesce;

#[derive(Clone, Hash, PartialEq, Eq)]
struct Repo {
    tenant: u64,
}

impl Repo {
    #[coalesce]
    async fn by_ref(&self, id: u64) -> u64 {
        self.tenant + id
    }

    #[coalesce(key = (self.tenant, id))]
    async fn by_mut(&mut self, id: u64) -> u64 {
        self.tenant += id;
        self.tenant
    }

    #[coalesce(key = "self")]
    async fn by_value(self) -> u64 {
        self.tenant
    }

    #[coalesce(key = "id")]
    async fn by_arc(self: Arc<Self>, id: u64) -> u64 {
        self.tenant * id
    }

    #[coalesce]
    async fn associated(id: u64) -> u64 {
        id
    }
}

fn main() {
    futures::executor::block_on(async {
        let mut repo = Repo { tenant: 10 };
        assert_eq!(repo.by_ref(1).await, 11);
        assert_eq!(repo.by_mut(5).await, 15);
        assert_eq!(repo.clone().by_value().await, 15);
        assert_eq!(Arc::new(repo).by_arc(2).await, 30);
        assert_eq!(Repo::associated(4).await, 4);
    });
}
