//! The `static` every annotated function holds: its groups, one per
//! instantiation, and the name it is listed under in `coalesce::stats()`.

use std::hash::Hash;
use std::sync::OnceLock;

use crate::events::{Label, LogKey};
use crate::group::Group;
use crate::registry;
use crate::type_map::TypeMap;

/// An annotated function's groups, told apart by a tag: the type of a
/// closure defined in the function, which carries every generic parameter in
/// scope (the impl's included) and is `'static` because it captures nothing.
///
/// Not a typed `static Group<K, V>`: the macro can write neither `K` (the
/// converted key expression's type) nor `V` (`Result<T, SharedError>` for a
/// shared error, as the probes decide), and cannot tell a free function from
/// an associated function of an `impl<T>`, whose instantiations one static
/// would merge.
pub struct FunctionGroups {
    groups: TypeMap,
    name: OnceLock<&'static str>,
}

impl FunctionGroups {
    /// No group yet, for a `static`.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            groups: TypeMap::new(),
            name: OnceLock::new(),
        }
    }

    /// The function's own group for the instantiation `Tag` stands for,
    /// created and listed on first use, with `log_key`, how tracing events
    /// show the key.
    pub fn group<Tag, K, V>(&self, log_key: LogKey<K>) -> &'static Group<K, V>
    where
        Tag: 'static,
        K: Hash + Eq + Send + Sync + 'static,
        V: Clone + Send + 'static,
    {
        self.groups.get_or_create::<Tag, Group<K, V>>(|| {
            let name = self.name::<Tag>();
            let group = Box::leak(Box::new(Group::labelled(Label { name, log_key })));
            registry::list(name, group);
            group
        })
    }

    /// The user's `static` group (`group = PATH`), listed under the
    /// function's name on first use.
    pub fn user_group<Tag, K, V>(&self, group: &'static Group<K, V>) -> &'static Group<K, V>
    where
        Tag: 'static,
        K: Send + Sync + 'static,
        V: Send + 'static,
    {
        self.groups.get_or_create::<Tag, Group<K, V>>(|| {
            registry::list(self.name::<Tag>(), group);
            group
        })
    }

    /// The function's name, worked out once from the tag's type name.
    pub fn name<Tag: 'static>(&self) -> &'static str {
        self.name
            .get_or_init(|| Box::leak(function_name(std::any::type_name::<Tag>()).into_boxed_str()))
    }
}

impl Default for FunctionGroups {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for FunctionGroups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionGroups")
            .field("name", &self.name.get())
            .finish_non_exhaustive()
    }
}

/// The function a closure type belongs to, from its type name: the trailing
/// `::{{closure}}` segments (the tag, and the `async fn`'s body) and every
/// generic argument list go, so that instantiations share one name.
/// `app::Repo<u8>::load::{{closure}}` becomes `app::Repo::load`, and
/// `<app::Pg<T> as app::Repo>::find::{{closure}}::{{closure}}` becomes
/// `<app::Pg as app::Repo>::find`.
fn function_name(closure: &str) -> String {
    let mut path = closure;
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    let mut name = String::with_capacity(path.len());
    let mut depth = 0_usize;
    let mut previous = ' ';
    for c in path.chars() {
        match c {
            // After a name, `<` opens generic arguments; elsewhere (first, or
            // after `::`) it opens a qualified path such as `<T as Trait>`.
            '<' if depth > 0 || previous.is_alphanumeric() || previous == '_' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => name.push(c),
        }
        previous = c;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn names_drop_closures_and_generic_arguments() {
        let cases = [
            ("app::load::{{closure}}", "app::load"),
            ("app::Repo<u8>::load::{{closure}}", "app::Repo::load"),
            (
                "app::repo::UserRepo::find::{{closure}}::{{closure}}",
                "app::repo::UserRepo::find",
            ),
            (
                "app::Borrowing<'_>::find::{{closure}}::{{closure}}",
                "app::Borrowing::find",
            ),
            (
                "<app::Pg<alloc::vec::Vec<u8>> as app::Repo>::find::{{closure}}::{{closure}}",
                "<app::Pg as app::Repo>::find",
            ),
            (
                "app::load<&i32, app::main::{{closure}}>::{{closure}}",
                "app::load",
            ),
            ("app::cg<1>::{{closure}}", "app::cg"),
        ];
        for (closure, name) in cases {
            assert_eq!(function_name(closure), name, "{closure}");
        }
    }
}
