use coalesce::coalesce;

struct Repo {
    name: String,
}

impl Repo {
    #[coalesce]
    async fn name(&self) -> &str {
        &self.name
    }
}

fn main() {}
