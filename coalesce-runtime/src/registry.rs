//! Maps that live in a `static` but whose type is only known at the call:
//! one per annotated function (its key type is inferred), and the
//! process-wide map behind [`run`](crate::run).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

type Shared = &'static (dyn Any + Send + Sync);

/// One value of each requested type, created on first request and kept for
/// the life of the process.
///
/// The first type requested is found without a lock, which is the only one a
/// non-generic function ever asks for; later types go through a locked map.
#[doc(hidden)]
pub struct TypeMap {
    first: OnceLock<(TypeId, Shared)>,
    others: Mutex<Option<HashMap<TypeId, Shared>>>,
}

impl TypeMap {
    /// An empty map, for a `static`.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            first: OnceLock::new(),
            others: Mutex::new(None),
        }
    }

    /// The `T` stored for `Tag`, created with `T::default()` on first use.
    /// Distinct `(Tag, T)` pairs never share a value.
    pub fn get<Tag, T>(&self) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Default + Send + Sync + 'static,
    {
        let id = TypeId::of::<(&'static Tag, T)>();
        let &(first_id, first) = self.first.get_or_init(|| (id, leak::<T>()));
        let shared = if first_id == id {
            first
        } else {
            *self
                .others
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert_with(HashMap::new)
                .entry(id)
                .or_insert_with(leak::<T>)
        };
        match shared.downcast_ref::<T>() {
            Some(value) => value,
            None => unreachable!("a TypeMap entry has the type its id names"),
        }
    }
}

impl Default for TypeMap {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TypeMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeMap").finish_non_exhaustive()
    }
}

/// Each `(Tag, T)` pair gets one value for the life of the process, so the
/// number of leaked values is bounded by the number of types in the program.
fn leak<T: Default + Send + Sync + 'static>() -> Shared {
    Box::leak(Box::new(T::default()))
}
