// A method's map is tagged with `Self`, told apart by `TypeId`, so `Self`
// must be `'static`; the error points at the receiver. Use `group = ...`.

use coalesce::coalesce;

struct Repo<'a> {
    prefix: &'a str,
}

impl<'a> Repo<'a> {
    #[coalesce(key = "id")]
    async fn find(&self, id: u64) -> String {
        format!("{}{id}", self.prefix)
    }
}

fn main() {}
