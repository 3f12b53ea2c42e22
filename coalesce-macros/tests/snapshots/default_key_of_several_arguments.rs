fn search(name: &str, bytes: &[u8]) -> impl ::core::future::Future<Output = Vec<u64>> {
    let coalesce_groups: &'static ::coalesce::__private::FunctionGroups = {
        static COALESCE_GROUPS: ::coalesce::__private::FunctionGroups = ::coalesce::__private::FunctionGroups::new();
        &COALESCE_GROUPS
    };
    let coalesce_key = {
        use ::coalesce::__private::ToKey as _;
        ((name).__coalesce_to_key(), (bytes).__coalesce_to_key())
    };
    let coalesce_tag = || {};
    let coalesce_body = async move {
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::unreachable
        )]
        if false {
            let coalesce_fake_return: Vec<u64> = loop {};
            return coalesce_fake_return;
        }
        lookup(name, bytes).await
    };
    let coalesce_verdict = {
        use ::coalesce::__private::{
            ProbeBorrowed as _, ProbeClone as _, ProbeFallback as _, ProbeGroupFits as _,
            ProbeGroupMisfits as _, ProbeHashEq as _, ProbeNotResult as _,
            ProbeNotShared as _, ProbeOwned as _, ProbeResult as _, ProbeSend as _,
            ProbeSendSync as _, ProbeShareError as _, ProbeShareErrors as _,
        };
        let coalesce_key_probe = ::coalesce::__private::probe(&coalesce_key);
        let coalesce_output_probe = ::coalesce::__private::probe_output(&coalesce_body);
        let coalesce_delivery = ::coalesce::__private::either(
            (&coalesce_output_probe).__coalesce_clone(),
            (&coalesce_output_probe).__coalesce_share_errors(),
        );
        let coalesce_key_probe_0 = ::coalesce::__private::probe(&coalesce_key.0);
        let coalesce_key_probe_1 = ::coalesce::__private::probe(&coalesce_key.1);
        ::coalesce::__private::all(
            ::coalesce::__private::all(
                ::coalesce::__private::all(
                    ::coalesce::__private::all(
                        ::coalesce::__private::all(
                            ::coalesce::__private::all(
                                ::coalesce::__private::require_arguments_hash_eq(
                                    &coalesce_key_probe,
                                    ::core::convert::identity(
                                        (&coalesce_key_probe).__coalesce_hash_eq(),
                                    ),
                                ),
                                ::coalesce::__private::require_arguments_send_sync(
                                    &coalesce_key_probe,
                                    ::core::convert::identity(
                                        (&coalesce_key_probe).__coalesce_send_sync(),
                                    ),
                                ),
                            ),
                            ::coalesce::__private::require_output_shareable(
                                &coalesce_output_probe,
                                ::core::convert::identity(
                                    ::coalesce::__private::either(
                                        (&coalesce_output_probe).__coalesce_clone(),
                                        (&coalesce_output_probe).__coalesce_share_errors(),
                                    ),
                                ),
                            ),
                        ),
                        ::coalesce::__private::require_output_send(
                            &coalesce_output_probe,
                            ::core::convert::identity(
                                (&coalesce_output_probe).__coalesce_send(),
                            ),
                        ),
                    ),
                    ::coalesce::__private::require_arguments_owned(
                        &coalesce_key_probe_0,
                        ::core::convert::identity(
                            (&coalesce_key_probe_0).__coalesce_owned(),
                        ),
                    ),
                ),
                ::coalesce::__private::require_arguments_owned(
                    &coalesce_key_probe_1,
                    ::core::convert::identity((&coalesce_key_probe_1).__coalesce_owned()),
                ),
            ),
            coalesce_delivery,
        )
    };
    coalesce_verdict
        .run(
            ::coalesce::__private::per_function(
                coalesce_groups,
                coalesce_tag,
                {
                    use ::coalesce::__private::{ProbeDebug as _, ProbeNoDebug as _};
                    (&::coalesce::__private::probe(&coalesce_key)).__coalesce_log_key()
                },
            ),
            coalesce_key,
            coalesce_body,
        )
}
