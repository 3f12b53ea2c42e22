use coalesce::coalesce;

struct Client;

impl Client {
    #[coalesce(key = "url", on_leader_drop = "continue")]
    async fn fetch(&self, url: &str) -> String {
        url.to_owned()
    }
}

fn main() {}
