use coalesce::{coalesce, Group};

static USERS: Group<u64, String> = Group::new();

#[coalesce(key = "id", group = USERS)]
async fn find(id: u32) -> Option<String> {
    Some(id.to_string())
}

fn main() {}
