use coalesce::coalesce;

#[coalesce(key = "id", fleet = 42)]
async fn report(id: u64) -> String {
    id.to_string()
}

struct Repo {
    fleet: String,
}

impl Repo {
    #[coalesce(key = "id", fleet = "self.fleet")]
    async fn find(&self, id: u64) -> String {
        id.to_string()
    }
}

fn main() {}
