use retromesh_identity::{SpiffeId, SpiffeIdErrorKind as Kind, TrustDomain};

#[test]
fn parse_accepts_valid_ids_and_prints_them_back() {
    for id in [
        "spiffe://cluster.local/ns/retromesh/sa/speccy",
        "spiffe://example.org",
        "spiffe://td_1-x.y/A.b/C-D_e/0",
        "spiffe://a/..x/.y/z..",
    ] {
        let parsed = SpiffeId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(parsed.to_string(), id);
        assert_eq!(id.parse::<SpiffeId>().unwrap(), parsed);
    }
    let id = SpiffeId::parse("spiffe://cluster.local/ns/retromesh/sa/speccy").unwrap();
    assert_eq!(id.trust_domain().as_str(), "cluster.local");
    assert_eq!(id.path(), "/ns/retromesh/sa/speccy");
    assert_eq!(id.ns(), Some("retromesh"));
    assert_eq!(id.sa(), Some("speccy"));
}

#[test]
fn ns_and_sa_only_for_the_istio_form() {
    for id in [
        "spiffe://example.org",
        "spiffe://example.org/ns/a",
        "spiffe://example.org/ns/a/sa/b/extra",
        "spiffe://example.org/sa/b/ns/a",
    ] {
        let id = SpiffeId::parse(id).unwrap();
        assert_eq!((id.ns(), id.sa()), (None, None), "{id}");
    }
}

#[test]
fn parse_rejects_each_bad_form_with_a_specific_error() {
    let cases: &[(&str, Kind, &str)] = &[
        ("", Kind::Empty, "empty"),
        ("https://cluster.local/ns/a/sa/b", Kind::Scheme, "scheme"),
        ("SPIFFE://cluster.local/x", Kind::Scheme, "scheme"),
        ("spiffe:/cluster.local/x", Kind::Scheme, "scheme"),
        ("spiffe://", Kind::MissingTrustDomain, "no trust domain"),
        (
            "spiffe:///ns/a",
            Kind::MissingTrustDomain,
            "no trust domain",
        ),
        (
            "spiffe://Cluster.local/x",
            Kind::UppercaseTrustDomain('C'),
            "lowercase",
        ),
        (
            "spiffe://clus ter/x",
            Kind::TrustDomainChar(' '),
            "trust domain has ' '",
        ),
        ("spiffe://cluster.local:8443/x", Kind::Port, "port"),
        ("spiffe://user@cluster.local/x", Kind::UserInfo, "user info"),
        ("spiffe://cluster.local/x?a=b", Kind::Query, "query"),
        ("spiffe://cluster.local/x#frag", Kind::Fragment, "fragment"),
        (
            "spiffe://cluster.local/ns//sa/b",
            Kind::EmptySegment,
            "empty segment",
        ),
        (
            "spiffe://cluster.local/ns/./sa",
            Kind::DotSegment(".".into()),
            "\".\" segment",
        ),
        (
            "spiffe://cluster.local/ns/../sa",
            Kind::DotSegment("..".into()),
            "\"..\" segment",
        ),
        (
            "spiffe://cluster.local/ns/a/",
            Kind::TrailingSlash,
            "end with '/'",
        ),
        (
            "spiffe://cluster.local/",
            Kind::TrailingSlash,
            "end with '/'",
        ),
        (
            "spiffe://cluster.local/ns/a%20b",
            Kind::PathChar('%'),
            "path has '%'",
        ),
        (
            "spiffe://cluster.local/ns/ä",
            Kind::PathChar('ä'),
            "path has 'ä'",
        ),
    ];
    for (input, kind, words) in cases {
        let err = SpiffeId::parse(input).expect_err(input);
        assert_eq!(err.kind(), kind, "{input}");
        let message = err.to_string();
        assert!(message.contains(words), "{input}: {message}");
        assert!(
            message.contains(&format!("{input:?}")),
            "{message} names the input"
        );
    }
}

#[test]
fn parse_enforces_the_length_limits() {
    let longest = format!("spiffe://td/{}", "a".repeat(2048 - "spiffe://td/".len()));
    assert!(SpiffeId::parse(&longest).is_ok());
    let err = SpiffeId::parse(&format!("{longest}a")).unwrap_err();
    assert_eq!(err.kind(), &Kind::TooLong(2049));
    assert!(err.to_string().contains("2048"), "{err}");

    let err = SpiffeId::parse(&format!("spiffe://{}/x", "d".repeat(256))).unwrap_err();
    assert_eq!(err.kind(), &Kind::TrustDomainTooLong(256));
}

#[test]
fn workload_builds_the_istio_form_and_keeps_ns_and_sa_to_one_segment() {
    let td = TrustDomain::new("cluster.local").unwrap();
    let id = SpiffeId::workload(&td, "retromesh", "speccy").unwrap();
    assert_eq!(
        id.to_string(),
        "spiffe://cluster.local/ns/retromesh/sa/speccy"
    );
    assert_eq!(id, SpiffeId::parse(&id.to_string()).unwrap());

    let err = SpiffeId::workload(&td, "retro/mesh", "speccy").unwrap_err();
    assert_eq!(err.kind(), &Kind::PathChar('/'));
    let err = SpiffeId::workload(&td, "retromesh", "").unwrap_err();
    assert_eq!(err.kind(), &Kind::EmptySegment);
    let err = SpiffeId::workload(&td, "retromesh", "..").unwrap_err();
    assert_eq!(err.kind(), &Kind::DotSegment("..".into()));
}

#[test]
fn trust_domain_takes_a_name_or_its_id() {
    assert_eq!(
        TrustDomain::new("cluster.local").unwrap().as_str(),
        "cluster.local"
    );
    assert_eq!(
        TrustDomain::new("spiffe://cluster.local").unwrap().as_str(),
        "cluster.local"
    );
    assert_eq!(
        TrustDomain::new("Cluster").unwrap_err().kind(),
        &Kind::UppercaseTrustDomain('C')
    );
    assert_eq!(
        TrustDomain::new("").unwrap_err().kind(),
        &Kind::MissingTrustDomain
    );
    let td = TrustDomain::new("cluster.local").unwrap();
    assert_eq!(td.id().to_string(), "spiffe://cluster.local");
    assert_eq!(
        SpiffeId::new(td.clone(), "ns/a").unwrap_err().kind(),
        &Kind::RelativePath
    );
}
