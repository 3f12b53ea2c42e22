//! Generated code names everything absolutely and keeps its locals out of
//! the user's reach: decoys named `coalesce`, `core`, `PhantomData`, and
//! parameters named after its internals change nothing.

mod support;

use std::sync::Arc;

use support::within;

/// `coalesce` here is the standard library: generated paths start with `::`.
mod std_decoy {
    #[allow(unused_imports)]
    use std as coalesce;

    #[::coalesce::coalesce]
    pub async fn find(id: u64) -> u64 {
        id + 1
    }
}

/// A `core` module and look-alike types in scope.
mod core_decoy {
    #![allow(dead_code)]

    mod core {}
    struct PhantomData;
    struct TypeMap;
    struct Group;
    enum Option {}

    use ::coalesce::coalesce;

    #[coalesce(key = "id")]
    pub async fn find<T: Default + Clone + Send + 'static>(id: u64) -> T {
        let _ = id;
        T::default()
    }
}

/// Parameters and items named like the generated locals.
mod names {
    use ::coalesce::coalesce;

    #[allow(non_upper_case_globals)]
    pub static COALESCE_GROUPS: u64 = 100;

    #[coalesce]
    pub async fn find(key: u64, group: u64, result: u64) -> u64 {
        key + group + result + COALESCE_GROUPS
    }

    #[coalesce(key = "coalesce_key")]
    pub async fn internals(coalesce_key: u64, coalesce_future: u64, coalesce_verdict: u64) -> u64 {
        coalesce_key + coalesce_future + coalesce_verdict
    }
}

/// The facade reached through a re-export, with `crate = ...` in both forms.
mod reexported {
    pub mod deps {
        pub use ::coalesce as singleflight;
    }

    use self::deps::singleflight::coalesce;

    #[coalesce(crate = "crate::reexported::deps::singleflight")]
    pub async fn quoted(id: u64) -> u64 {
        id * 2
    }

    #[coalesce(crate = crate::reexported::deps::singleflight, key = id)]
    pub async fn bare(id: u64) -> u64 {
        id * 3
    }
}

/// `?` on a user alias named `Result`.
mod result_alias {
    use std::sync::Arc;

    type Result<T> = std::result::Result<T, Arc<std::num::ParseIntError>>;

    #[::coalesce::coalesce]
    pub async fn parse(text: &str) -> Result<u64> {
        let value = text.parse::<u64>().map_err(Arc::new)?;
        Ok(value)
    }
}

#[tokio::test]
async fn decoys_and_colliding_names_change_nothing() {
    // Bounded, so a hang fails instead of stalling the suite.
    within(async {
        assert_eq!(std_decoy::find(1).await, 2);
        assert_eq!(core_decoy::find::<String>(1).await, "");
        assert_eq!(names::find(1, 2, 3).await, 106);
        assert_eq!(names::internals(1, 2, 3).await, 6);
        assert_eq!(reexported::quoted(2).await, 4);
        assert_eq!(reexported::bare(2).await, 6);
        assert_eq!(result_alias::parse("7").await.unwrap(), 7);
        let error: Arc<_> = result_alias::parse("x").await.unwrap_err();
        assert_eq!(error.to_string(), "invalid digit found in string");
    })
    .await;
}
