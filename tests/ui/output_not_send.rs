use std::rc::Rc;

use coalesce::coalesce;

#[coalesce]
async fn find_user(id: u64) -> Rc<String> {
    Rc::new(id.to_string())
}

fn main() {}
