use std::rc::Rc;

use coalesce::coalesce;

#[coalesce]
async fn find_user(name: Rc<str>) -> u64 {
    name.len() as u64
}

fn main() {}
