use coalesce::coalesce;

#[derive(Debug)]
struct DbError;

#[coalesce]
async fn find_user(id: u64) -> Result<String, DbError> {
    Ok(id.to_string())
}

fn main() {}
