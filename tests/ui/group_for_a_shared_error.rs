use coalesce::{coalesce, Group};

// The group must hold the errors as `SharedError`s.
static USERS: Group<u64, anyhow::Result<String>> = Group::new();

#[coalesce(key = "id", group = USERS)]
async fn find(id: u64) -> anyhow::Result<String> {
    Ok(id.to_string())
}

fn main() {}
