use coalesce::coalesce;

#[coalesce(key = "token", log_key = "false")]
async fn redeem(token: &str) -> usize {
    token.len()
}

fn main() {}
