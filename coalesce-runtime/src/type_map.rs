//! One value per type, in a `static` whose types are only known at the call:
//! the groups of an annotated function (its key type is inferred) and the
//! process-wide map behind [`run`](crate::run).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock, PoisonError};

type Shared = &'static (dyn Any + Send + Sync);

/// One value of each requested type, created on first request and kept for
/// the life of the process: one per `(Tag, T)` pair, so the number of leaked
/// values is bounded by the number of types in the program.
///
/// The first pair requested is found without a lock, which is the only one a
/// non-generic function ever asks for; later pairs go through a locked map.
pub(crate) struct TypeMap {
    first: OnceLock<Shared>,
    others: Mutex<Option<HashMap<TypeId, Shared>>>,
}

/// What the map holds for `(Tag, T)`: a type of its own for each pair, so
/// that one `downcast_ref`, one virtual call, both finds the pair and types
/// the value.
struct Entry<Tag: ?Sized + 'static, T: 'static> {
    value: &'static T,
    tag: PhantomData<fn() -> &'static Tag>,
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
    ///
    /// Every call of an annotated function comes here: the first pair is
    /// found inline, and only the first use of a pair, or a second pair,
    /// leaves it.
    #[inline]
    pub(crate) fn get_or_create<Tag, T>(&self, create: impl FnOnce() -> &'static T) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Send + Sync + 'static,
    {
        match self.first.get().and_then(|first| entry::<Tag, T>(*first)) {
            Some(value) => value,
            None => self.get_or_create_slow::<Tag, T>(create),
        }
    }

    /// The first use of a pair, or a pair that is not the first.
    #[cold]
    #[inline(never)]
    fn get_or_create_slow<Tag, T>(&self, create: impl FnOnce() -> &'static T) -> &'static T
    where
        Tag: ?Sized + 'static,
        T: Send + Sync + 'static,
    {
        // `create` runs at most once, in whichever slot takes the pair.
        let mut create = Some(create);
        let mut shared = || -> Shared {
            let Some(create) = create.take() else {
                unreachable!("a TypeMap pair is created once")
            };
            Box::leak(Box::new(Entry::<Tag, T> {
                value: create(),
                tag: PhantomData,
            }))
        };
        if let Some(value) = entry::<Tag, T>(*self.first.get_or_init(&mut shared)) {
            return value;
        }
        let shared = *self
            .others
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(HashMap::new)
            .entry(TypeId::of::<Entry<Tag, T>>())
            .or_insert_with(shared);
        match entry::<Tag, T>(shared) {
            Some(value) => value,
            None => unreachable!("a TypeMap entry has the type its id names"),
        }
    }
}

/// The value in `shared` if it is `(Tag, T)`'s entry.
#[inline]
fn entry<Tag, T>(shared: Shared) -> Option<&'static T>
where
    Tag: ?Sized + 'static,
    T: 'static,
{
    shared
        .downcast_ref::<Entry<Tag, T>>()
        .map(|entry| entry.value)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::TypeMap;

    struct TagA;
    struct TagB;

    #[test]
    fn each_pair_has_its_own_value_and_keeps_it() {
        let map = TypeMap::new();
        let a = map.get::<TagA, AtomicUsize>();
        let b = map.get::<TagB, AtomicUsize>();
        let a_other_type = map.get::<TagA, u8>();
        a.store(1, Ordering::SeqCst);
        b.store(2, Ordering::SeqCst);
        assert!(std::ptr::eq(a, map.get::<TagA, AtomicUsize>()));
        assert!(std::ptr::eq(b, map.get::<TagB, AtomicUsize>()));
        assert!(std::ptr::eq(a_other_type, map.get::<TagA, u8>()));
        assert_eq!(map.get::<TagA, AtomicUsize>().load(Ordering::SeqCst), 1);
        assert_eq!(map.get::<TagB, AtomicUsize>().load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_pair_is_created_once() {
        static CREATED: AtomicUsize = AtomicUsize::new(0);
        static VALUE: u8 = 7;
        let map = TypeMap::new();
        for _ in 0..3 {
            map.get_or_create::<TagA, u8>(|| {
                CREATED.fetch_add(1, Ordering::SeqCst);
                &VALUE
            });
            map.get_or_create::<TagB, u8>(|| {
                CREATED.fetch_add(1, Ordering::SeqCst);
                &VALUE
            });
        }
        assert_eq!(CREATED.load(Ordering::SeqCst), 2);
    }
}
