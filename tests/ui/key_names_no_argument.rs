use coalesce::coalesce;

#[coalesce(key = "(tenant, user_id)")]
async fn find_user(tenant: u64, id: u64) -> u64 {
    tenant + id
}

#[coalesce(key = self.id)]
async fn no_receiver(id: u64) -> u64 {
    id
}

fn main() {}
