use coalesce::{coalesce, Group};

static USERS: Group<u64, String> = Group::new();

#[coalesce(key = "id", group = USERS, log_key = false)]
async fn find(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
