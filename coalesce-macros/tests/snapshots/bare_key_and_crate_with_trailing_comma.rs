async fn find(id: u64, name: &str, (x, _): (u8, u8)) -> u64 {
    {
        let coalesce_groups: &'static ::deps::coalesce::__private::FunctionGroups = {
            static COALESCE_GROUPS: ::deps::coalesce::__private::FunctionGroups = ::deps::coalesce::__private::FunctionGroups::new();
            &COALESCE_GROUPS
        };
        let coalesce_key = {
            use ::deps::coalesce::__private::ToKey as _;
            ((name).__coalesce_to_key(), (id).__coalesce_to_key())
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
                let coalesce_fake_return: u64 = loop {};
                return coalesce_fake_return;
            }
            id + u64::from(x) + name.len() as u64
        };
        let coalesce_verdict = {
            use ::deps::coalesce::__private::{
                ProbeBorrowed as _, ProbeClone as _, ProbeFallback as _,
                ProbeGroupFits as _, ProbeGroupMisfits as _, ProbeHashEq as _,
                ProbeNotResult as _, ProbeNotShared as _, ProbeOwned as _,
                ProbeResult as _, ProbeSend as _, ProbeSendSync as _,
                ProbeShareError as _, ProbeShareErrors as _,
            };
            let coalesce_key_probe = ::deps::coalesce::__private::probe(&coalesce_key);
            let coalesce_output_probe = ::deps::coalesce::__private::probe_output(
                &coalesce_body,
            );
            let coalesce_delivery = ::deps::coalesce::__private::either(
                (&coalesce_output_probe).__coalesce_clone(),
                (&coalesce_output_probe).__coalesce_share_errors(),
            );
            let coalesce_key_probe_0 = ::deps::coalesce::__private::probe(
                &coalesce_key.0,
            );
            let coalesce_key_probe_1 = ::deps::coalesce::__private::probe(
                &coalesce_key.1,
            );
            ::deps::coalesce::__private::all(
                ::deps::coalesce::__private::all(
                    ::deps::coalesce::__private::all(
                        ::deps::coalesce::__private::all(
                            ::deps::coalesce::__private::all(
                                ::deps::coalesce::__private::all(
                                    ::deps::coalesce::__private::require_key_hash_eq(
                                        &coalesce_key_probe,
                                        ::core::convert::identity(
                                            (&coalesce_key_probe).__coalesce_hash_eq(),
                                        ),
                                    ),
                                    ::deps::coalesce::__private::require_key_send_sync(
                                        &coalesce_key_probe,
                                        ::core::convert::identity(
                                            (&coalesce_key_probe).__coalesce_send_sync(),
                                        ),
                                    ),
                                ),
                                ::deps::coalesce::__private::require_output_shareable(
                                    &coalesce_output_probe,
                                    ::core::convert::identity(
                                        ::deps::coalesce::__private::either(
                                            (&coalesce_output_probe).__coalesce_clone(),
                                            (&coalesce_output_probe).__coalesce_share_errors(),
                                        ),
                                    ),
                                ),
                            ),
                            ::deps::coalesce::__private::require_output_send(
                                &coalesce_output_probe,
                                ::core::convert::identity(
                                    (&coalesce_output_probe).__coalesce_send(),
                                ),
                            ),
                        ),
                        ::deps::coalesce::__private::require_key_owned(
                            &coalesce_key_probe_0,
                            ::core::convert::identity(
                                (&coalesce_key_probe_0).__coalesce_owned(),
                            ),
                        ),
                    ),
                    ::deps::coalesce::__private::require_key_owned(
                        &coalesce_key_probe_1,
                        ::core::convert::identity(
                            (&coalesce_key_probe_1).__coalesce_owned(),
                        ),
                    ),
                ),
                coalesce_delivery,
            )
        };
        coalesce_verdict
            .run(
                ::deps::coalesce::__private::per_function(
                    coalesce_groups,
                    coalesce_tag,
                    {
                        use ::deps::coalesce::__private::{
                            ProbeDebug as _, ProbeNoDebug as _,
                        };
                        (&::deps::coalesce::__private::probe(&coalesce_key))
                            .__coalesce_log_key()
                    },
                ),
                coalesce_key,
                coalesce_body,
            )
    }
        .await
}
