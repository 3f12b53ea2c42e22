//! One value per type, in a `static` whose types are only known at the call:
//! the groups of an annotated function (its key type is inferred) and the
//! process-wide map behind [`run`](crate::run).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

type Shared = &'static (dyn Any + Send + Sync);

/// One value of each requested type, created on first request and kept for
/// the life of the process: one per `(Tag, T)` pair, so the number of leaked
/// values is bounded by the number of types in the program.
///
/// The first type requested is found without a lock, which is the only one a
/// non-generic function ever asks for; later types go through a locked map.
pub(crate) struct TypeMap {
    first: OnceLock<(TypeId, Shared)>,
    others: Mutex<Option<HashMap<TypeId, Shared>>>,
}

impl TypeMap {
    /// An empty map, for a `static`.
    pub(crate) const fn new() -> Self {
        Self {
            first: OnceLock::new(),
            others: Mutex::new(None),
        }
    }

    /// The `T` stored for `Tag`, created with `T::default()` on first use.
    pub(crate) fn get<Tag, T>(&self) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Default + Send + Sync + 'static,
    {
        self.get_or_create::<Tag, T>(|| Box::leak(Box::<T>::default()))
    }

    /// The `T` stored for `Tag`, or the one `create` returns on first use.
    /// Distinct `(Tag, T)` pairs never share a value.
    pub(crate) fn get_or_create<Tag, T>(&self, create: impl Fn() -> &'static T) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Send + Sync + 'static,
    {
        let id = TypeId::of::<(&'static Tag, T)>();
        let create = || -> Shared { create() };
        let &(first_id, first) = self.first.get_or_init(|| (id, create()));
        let shared = if first_id == id {
            first
        } else {
            *self
                .others
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert_with(HashMap::new)
                .entry(id)
                .or_insert_with(create)
        };
        match shared.downcast_ref::<T>() {
            Some(value) => value,
            None => unreachable!("a TypeMap entry has the type its id names"),
        }
    }
}
