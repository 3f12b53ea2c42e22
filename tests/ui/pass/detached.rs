//! `detached` on bodies that own their inputs: owned arguments,
//! `self: Arc<Self>`, a user group, and the flag among other options.

use std::sync::Arc;

use coalesce::{coalesce, Group};

struct Client {
    base: String,
}

impl Client {
    #[coalesce(key = "path", detached)]
    async fn fetch(self: Arc<Self>, path: String) -> Result<String, Arc<std::io::Error>> {
        Ok(format!("{}{path}", self.base))
    }
}

static PAGES: Group<u32, Vec<u8>> = Group::new();

#[coalesce(detached, group = PAGES)]
async fn page(number: u32) -> Vec<u8> {
    vec![number as u8]
}

#[coalesce(detached, key = "id",)]
async fn owned(name: String, id: u64) -> String {
    format!("{name}{id}")
}

fn main() {
    let client = Arc::new(Client { base: "http://127.0.0.1".to_owned() });
    let fetched = futures::executor::block_on(client.fetch("/a".to_owned()));
    assert_eq!(fetched.unwrap(), "http://127.0.0.1/a");
    assert_eq!(futures::executor::block_on(page(3)), [3]);
    assert_eq!(futures::executor::block_on(owned("x".to_owned(), 1)), "x1");
}
