//! `group = PATH`: the user's own static, shared on purpose by two functions.

use coalesce::{coalesce, Group};

static USERS: Group<u64, String> = Group::new();

#[coalesce(key = "id", group = USERS)]
async fn find(id: u64) -> String {
    format!("user {id}")
}

#[coalesce(group = USERS)]
async fn find_again(id: u64) -> String {
    format!("again {id}")
}

struct Repo;

impl Repo {
    #[coalesce(group = crate::USERS)]
    async fn find(&self, id: u64) -> String {
        format!("repo {id}")
    }
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(find(1).await, "user 1");
        assert_eq!(find_again(1).await, "again 1");
        assert_eq!(Repo.find(1).await, "repo 1");
        assert_eq!(USERS.in_flight(), 0);
    });
}
