//! The coalesced future is `Send` whenever the body's future is, even when
//! the tag names a type that is not `Send` (it never lives across an await).

use std::rc::Rc;

use coalesce::coalesce;

fn assert_send<F: std::future::Future + Send>(future: F) -> F {
    future
}

#[coalesce(key = "id")]
async fn tagged<T: 'static>(id: u64) -> u64 {
    id
}

struct Repo {
    tenant: u64,
}

impl Repo {
    #[coalesce]
    async fn find(&self, id: u64) -> u64 {
        self.tenant + id
    }
}

#[coalesce(key = "id")]
async fn with_impl_trait(id: u64, scale: &(impl Fn(u64) -> u64 + Sync + 'static)) -> u64 {
    scale(id)
}

fn main() {
    let repo = Repo { tenant: 1 };
    futures::executor::block_on(async {
        assert_eq!(assert_send(tagged::<Rc<u8>>(1)).await, 1);
        assert_eq!(assert_send(repo.find(2)).await, 3);
        assert_eq!(assert_send(with_impl_trait(3, &|id| id * 2)).await, 6);
    });
}
