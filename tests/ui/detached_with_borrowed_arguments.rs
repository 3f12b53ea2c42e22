use coalesce::coalesce;

struct Client;

impl Client {
    #[coalesce(key = "url", detached)]
    async fn fetch(&self, url: &str) -> String {
        url.to_owned()
    }
}

fn main() {}
