//! Expansion snapshots: what the macro emits for each shape, formatted, and
//! compared with `tests/snapshots/<name>.rs` so a reviewer can read it.
//! Refresh them with `COALESCE_UPDATE_SNAPSHOTS=1 cargo test -p coalesce-macros`.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

fn check(name: &str, args: TokenStream, item: TokenStream) {
    let output = crate::coalesce_impl(args, item);
    let file = match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => file,
        Err(error) => panic!("{name}: the expansion is not valid Rust ({error}):\n{output}"),
    };
    let actual = prettyplease::unparse(&file);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.rs"));
    if std::env::var_os("COALESCE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        panic!(
            "{name}: no snapshot at {}; run with COALESCE_UPDATE_SNAPSHOTS=1 and review it",
            path.display()
        );
    };
    assert!(
        expected == actual,
        "{name}: the expansion changed; run with COALESCE_UPDATE_SNAPSHOTS=1 and review the diff.\n\
         --- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn free_fn_with_string_key() {
    check(
        "free_fn_with_string_key",
        quote!(key = "id"),
        quote! {
            /// Finds a user.
            #[must_use]
            pub async fn find_user(id: u64, pool: &Pool) -> Result<Option<User>, Arc<DbError>> {
                pool.query(id).await.map_err(Arc::new)
            }
        },
    );
}

#[test]
fn default_key_of_several_arguments() {
    check(
        "default_key_of_several_arguments",
        quote!(),
        quote! {
            async fn search(name: &str, bytes: &[u8]) -> Vec<u64> {
                lookup(name, bytes).await
            }
        },
    );
}

#[test]
fn no_arguments() {
    check(
        "no_arguments",
        quote!(),
        quote! {
            async fn refresh() {}
        },
    );
}

#[test]
fn method_with_tuple_key_over_self() {
    check(
        "method_with_tuple_key_over_self",
        quote!(key = (self.tenant, id)),
        quote! {
            async fn find(&self, id: u64) -> Option<String> {
                self.db.find(self.tenant, id).await
            }
        },
    );
}

#[test]
fn generic_fn_with_impl_trait_argument() {
    check(
        "generic_fn_with_impl_trait_argument",
        quote!(key = "id"),
        quote! {
            async fn load<T>(id: u64, fetch: &(impl Fetch + 'static)) -> T
            where
                T: Decode + Clone + Send + 'static,
            {
                fetch.get(id).await
            }
        },
    );
}

#[test]
fn user_group_and_crate_path() {
    check(
        "user_group_and_crate_path",
        quote!(group = USERS, crate = "deps::coalesce"),
        quote! {
            async fn find(id: u64) -> String {
                id.to_string()
            }
        },
    );
}

#[test]
fn bare_key_and_crate_with_trailing_comma() {
    check(
        "bare_key_and_crate_with_trailing_comma",
        quote!(key = (name, id), crate = ::deps::coalesce,),
        quote! {
            async fn find(id: u64, name: &str, (x, _): (u8, u8)) -> u64 {
                id + u64::from(x) + name.len() as u64
            }
        },
    );
}

#[test]
fn errors_keep_the_original_function() {
    check(
        "errors_keep_the_original_function",
        quote!(key = "user_id", ttl = 3),
        quote! {
            fn find(id: u64) -> u64 {
                id
            }
        },
    );
    check(
        "errors_are_all_reported",
        quote!(key = "user_id"),
        quote! {
            fn find<T>(id: u64) -> u64 {
                id
            }
        },
    );
}

#[test]
fn detached_on_an_arc_receiver() {
    check(
        "detached_on_an_arc_receiver",
        quote!(key = "url", detached),
        quote! {
            async fn fetch(self: Arc<Self>, url: String) -> Result<Bytes, Arc<Error>> {
                self.client.get(&url).await.map_err(Arc::new)
            }
        },
    );
}

#[test]
fn detached_with_borrowed_arguments_keeps_the_function() {
    check(
        "detached_with_borrowed_arguments_keeps_the_function",
        quote!(key = "url", detached),
        quote! {
            async fn fetch(&self, url: &str) -> String {
                url.to_owned()
            }
        },
    );
}

/// What `#[async_trait]` hands over: its boxed `async` block becomes the
/// future, and the coalesced call is boxed in its place.
#[test]
fn method_rewritten_by_async_trait() {
    check(
        "method_rewritten_by_async_trait",
        quote!(key = "id"),
        quote! {
            fn find<'life0, 'async_trait>(&'life0 self, id: u64)
                -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Option<User>>
                    + ::core::marker::Send + 'async_trait>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move {
                    if let ::core::option::Option::Some(__ret) =
                        ::core::option::Option::None::<Option<User>>
                    {
                        #[allow(unreachable_code)]
                        return __ret;
                    }
                    let __self = self;
                    let id = id;
                    let __ret: Option<User> = { __self.db.find(id).await };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        },
    );
}

/// A plain `fn`: the body becomes a `move` closure run on the calling thread.
#[test]
fn blocking_fn() {
    check(
        "blocking_fn",
        quote!(key = "path"),
        quote! {
            pub fn load(path: &str) -> Result<Config, Arc<io::Error>> {
                let text = std::fs::read_to_string(path)?;
                Ok(Config::parse(&text))
            }
        },
    );
}

#[test]
fn log_key_false_and_true() {
    check(
        "log_key_false",
        quote!(key = "token", log_key = false),
        quote! {
            async fn redeem(token: &str) -> u64 {
                spend(token).await
            }
        },
    );
    check(
        "log_key_true",
        quote!(log_key = true),
        quote! {
            async fn find(id: u64) -> u64 {
                id
            }
        },
    );
}

#[test]
fn fleet_installed() {
    check(
        "fleet_installed",
        quote!(key = "id", fleet),
        quote! {
            pub async fn find_user(id: u64) -> Result<Option<User>, UserError> {
                db::find(id).await
            }
        },
    );
}

#[test]
fn fleet_of_the_receiver_with_a_name() {
    check(
        "fleet_of_the_receiver_with_a_name",
        quote!(
            key = "id",
            fleet = "self.fleet",
            fleet_name = "users/find/v2"
        ),
        quote! {
            async fn find(&self, id: u64) -> Option<User> {
                self.db.find(id).await
            }
        },
    );
}

#[test]
fn fleet_errors_keep_the_original_function() {
    check(
        "fleet_errors_keep_the_original_function",
        quote!(key = "id", fleet, fleet_name = "find"),
        quote! {
            fn find(id: u64) -> u64 {
                id
            }
        },
    );
    check(
        "fleet_name_without_fleet",
        quote!(key = "id", fleet_name = "find"),
        quote! {
            async fn find(id: u64) -> u64 {
                id
            }
        },
    );
}
