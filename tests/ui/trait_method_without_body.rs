use coalesce::coalesce;

trait Users {
    #[coalesce]
    async fn find_user(&self, id: u64) -> u64;
}

fn main() {}
