fn find(id: u64) -> impl ::core::future::Future<Output = String> {
    let coalesce_groups: &'static deps::coalesce::__private::FunctionGroups = {
        static COALESCE_GROUPS: deps::coalesce::__private::FunctionGroups = deps::coalesce::__private::FunctionGroups::new();
        &COALESCE_GROUPS
    };
    let coalesce_key = {
        use deps::coalesce::__private::ToKey as _;
        (id).__coalesce_to_key()
    };
    let coalesce_tag = || {};
    let coalesce_body = async move {
        let _ = (&id,);
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::unreachable
        )]
        if false {
            let coalesce_fake_return: String = loop {};
            return coalesce_fake_return;
        }
        id.to_string()
    };
    let coalesce_verdict = {
        use deps::coalesce::__private::{
            ProbeBorrowed as _, ProbeClone as _, ProbeFallback as _, ProbeGroupFits as _,
            ProbeGroupMisfits as _, ProbeHashEq as _, ProbeNotResult as _,
            ProbeNotShared as _, ProbeOwned as _, ProbeResult as _, ProbeSend as _,
            ProbeSendSync as _, ProbeShareError as _, ProbeShareErrors as _,
        };
        let coalesce_key_probe = deps::coalesce::__private::probe(&coalesce_key);
        let coalesce_output_probe = deps::coalesce::__private::probe_output(
            &coalesce_body,
        );
        let coalesce_delivery = deps::coalesce::__private::either(
            (&coalesce_output_probe).__coalesce_clone(),
            (&coalesce_output_probe).__coalesce_share_errors(),
        );
        let coalesce_key_probe_0 = deps::coalesce::__private::probe(&coalesce_key);
        let coalesce_stored_probe = deps::coalesce::__private::probe_stored(
            &coalesce_delivery,
            &coalesce_output_probe,
        );
        let coalesce_group_probe = deps::coalesce::__private::probe_group(
            &USERS,
            &coalesce_key_probe,
            &coalesce_stored_probe,
        );
        deps::coalesce::__private::all(
            deps::coalesce::__private::all(
                deps::coalesce::__private::all(
                    deps::coalesce::__private::all(
                        deps::coalesce::__private::all(
                            deps::coalesce::__private::all(
                                deps::coalesce::__private::require_arguments_hash_eq(
                                    &coalesce_key_probe,
                                    ::core::convert::identity(
                                        (&coalesce_key_probe).__coalesce_hash_eq(),
                                    ),
                                ),
                                deps::coalesce::__private::require_arguments_send_sync(
                                    &coalesce_key_probe,
                                    ::core::convert::identity(
                                        (&coalesce_key_probe).__coalesce_send_sync(),
                                    ),
                                ),
                            ),
                            deps::coalesce::__private::require_output_shareable(
                                &coalesce_output_probe,
                                ::core::convert::identity(
                                    deps::coalesce::__private::either(
                                        (&coalesce_output_probe).__coalesce_clone(),
                                        (&coalesce_output_probe).__coalesce_share_errors(),
                                    ),
                                ),
                            ),
                        ),
                        deps::coalesce::__private::require_output_send(
                            &coalesce_output_probe,
                            ::core::convert::identity(
                                (&coalesce_output_probe).__coalesce_send(),
                            ),
                        ),
                    ),
                    deps::coalesce::__private::require_arguments_owned(
                        &coalesce_key_probe_0,
                        ::core::convert::identity(
                            (&coalesce_key_probe_0).__coalesce_owned(),
                        ),
                    ),
                ),
                deps::coalesce::__private::require_group_fits(
                    &coalesce_group_probe,
                    ::core::convert::identity(
                        (&coalesce_group_probe).__coalesce_group_fits(),
                    ),
                ),
            ),
            coalesce_delivery,
        )
    };
    coalesce_verdict
        .run(
            deps::coalesce::__private::user_group(coalesce_groups, coalesce_tag, &USERS),
            coalesce_key,
            coalesce_body,
        )
}
