use coalesce::coalesce;

struct User {
    name: String,
}

#[coalesce(key = "user.nmae")]
async fn greet(user: &User) -> String {
    format!("hello {}", user.name)
}

fn main() {}
