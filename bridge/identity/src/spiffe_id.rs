//! SPIFFE IDs and trust domains, validated as the SPIFFE ID spec says
//! (<https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md>).

use std::fmt;
use std::str::FromStr;

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{IdentityError, Problem};

const SCHEME: &str = "spiffe://";
/// The spec's limit on a whole SPIFFE ID, in bytes.
const MAX_ID_LEN: usize = 2048;
/// The spec's limit on a trust domain name, in bytes.
const MAX_TRUST_DOMAIN_LEN: usize = 255;

/// A trust domain name such as `cluster.local`: lowercase letters, digits, `.`, `-` and `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrustDomain(String);

impl TrustDomain {
    /// Accepts the bare name (`cluster.local`) or its SPIFFE ID (`spiffe://cluster.local`).
    pub fn new(name: &str) -> Result<TrustDomain, SpiffeIdError> {
        let bare = name.strip_prefix(SCHEME).unwrap_or(name);
        check_trust_domain(bare).map_err(|kind| SpiffeIdError::new(name, kind))?;
        Ok(TrustDomain(bare.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trust domain's own SPIFFE ID, `spiffe://<name>`, as CA certificates carry it.
    pub fn id(&self) -> SpiffeId {
        SpiffeId {
            trust_domain: self.clone(),
            path: String::new(),
        }
    }
}

impl fmt::Display for TrustDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TrustDomain {
    type Err = SpiffeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrustDomain::new(s)
    }
}

/// `spiffe://<trust-domain><path>`; the path is empty or `/segment(/segment)*`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpiffeId {
    trust_domain: TrustDomain,
    path: String,
}

impl SpiffeId {
    /// A SPIFFE ID from a trust domain and a path such as `/ns/retromesh/sa/speccy`.
    pub fn new(trust_domain: TrustDomain, path: &str) -> Result<SpiffeId, SpiffeIdError> {
        let id = SpiffeId {
            trust_domain,
            path: path.to_owned(),
        };
        let check = if path.is_empty() || path.starts_with('/') {
            check_path(path)
        } else {
            Err(SpiffeIdErrorKind::RelativePath)
        };
        check
            .and_then(|()| check_len(&id.to_string()))
            .map_err(|kind| SpiffeIdError::new(&id.to_string(), kind))?;
        Ok(id)
    }

    /// The Istio form, `spiffe://<td>/ns/<ns>/sa/<sa>`, for a Kubernetes service account.
    pub fn workload(
        trust_domain: &TrustDomain,
        ns: &str,
        sa: &str,
    ) -> Result<SpiffeId, SpiffeIdError> {
        let path = format!("/ns/{ns}/sa/{sa}");
        for segment in [ns, sa] {
            // Each is one segment: a `/` inside would silently change the shape of the ID.
            if let Some(ch) = segment.chars().find(|&c| c == '/') {
                let input = format!("{SCHEME}{trust_domain}{path}");
                return Err(SpiffeIdError::new(&input, SpiffeIdErrorKind::PathChar(ch)));
            }
            if segment.is_empty() {
                let input = format!("{SCHEME}{trust_domain}{path}");
                return Err(SpiffeIdError::new(&input, SpiffeIdErrorKind::EmptySegment));
            }
        }
        SpiffeId::new(trust_domain.clone(), &path)
    }

    pub fn parse(input: &str) -> Result<SpiffeId, SpiffeIdError> {
        parse(input).map_err(|kind| SpiffeIdError::new(input, kind))
    }

    pub fn trust_domain(&self) -> &TrustDomain {
        &self.trust_domain
    }

    /// Empty, or `/`-led segments.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The namespace of an Istio-form ID (`/ns/<ns>/sa/<sa>`), else `None`.
    pub fn ns(&self) -> Option<&str> {
        self.istio_parts().map(|(ns, _)| ns)
    }

    /// The service account of an Istio-form ID (`/ns/<ns>/sa/<sa>`), else `None`.
    pub fn sa(&self) -> Option<&str> {
        self.istio_parts().map(|(_, sa)| sa)
    }

    fn istio_parts(&self) -> Option<(&str, &str)> {
        let mut segments = self.path.strip_prefix('/')?.split('/');
        match (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) {
            (Some("ns"), Some(ns), Some("sa"), Some(sa), None) => Some((ns, sa)),
            _ => None,
        }
    }

    /// The SPIFFE ID a certificate speaks for: its one `spiffe://` URI SAN.
    ///
    /// Other URI SANs are ignored; none, or more than one `spiffe://` URI, is an error, since an
    /// X.509-SVID carries exactly one.
    pub fn from_cert_der(der: &[u8]) -> Result<SpiffeId, IdentityError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| {
            IdentityError::from(Problem::BadCertificate {
                part: crate::Part::Chain,
                index: 0,
                detail: e.to_string(),
            })
        })?;
        from_cert(&cert).map_err(IdentityError::from)
    }
}

/// The `spiffe://` URI SAN of a parsed certificate.
pub(crate) fn from_cert(cert: &X509Certificate<'_>) -> Result<SpiffeId, Problem> {
    let san = cert
        .subject_alternative_name()
        .map_err(|e| Problem::BadCertificate {
            part: crate::Part::Chain,
            index: 0,
            detail: format!("subjectAltName: {e}"),
        })?;
    let uris: Vec<&str> = san
        .iter()
        .flat_map(|ext| ext.value.general_names.iter())
        .filter_map(|name| match name {
            GeneralName::URI(uri) => Some(*uri),
            _ => None,
        })
        .collect();
    let (spiffe, other): (Vec<&str>, Vec<&str>) = uris.iter().partition(|uri| {
        uri.get(..SCHEME.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(SCHEME))
    });
    match spiffe.as_slice() {
        [] => Err(Problem::NoSpiffeId {
            other_uris: other.iter().map(|s| s.to_string()).collect(),
        }),
        [one] => SpiffeId::parse(one).map_err(Problem::BadSpiffeId),
        several => Err(Problem::SeveralSpiffeIds(
            several.iter().map(|s| s.to_string()).collect(),
        )),
    }
}

impl fmt::Display for SpiffeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}{}", self.trust_domain, self.path)
    }
}

impl FromStr for SpiffeId {
    type Err = SpiffeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpiffeId::parse(s)
    }
}

/// Why a string is not a SPIFFE ID or trust domain; `input` is what was given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid SPIFFE ID {input:?}: {kind}")]
pub struct SpiffeIdError {
    input: String,
    kind: SpiffeIdErrorKind,
}

impl SpiffeIdError {
    fn new(input: &str, kind: SpiffeIdErrorKind) -> SpiffeIdError {
        // An over-long input would drown the message; the length is in the kind.
        let input = match input.char_indices().nth(120) {
            Some((cut, _)) => format!("{}…", &input[..cut]),
            None => input.to_owned(),
        };
        SpiffeIdError { input, kind }
    }

    pub fn kind(&self) -> &SpiffeIdErrorKind {
        &self.kind
    }

    pub fn input(&self) -> &str {
        &self.input
    }
}

/// The specific rule of the SPIFFE ID spec an input breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpiffeIdErrorKind {
    #[error("it is empty; expected spiffe://<trust-domain>/<path>")]
    Empty,
    #[error("it is {0} bytes long; the limit is 2048")]
    TooLong(usize),
    #[error("the scheme must be \"spiffe://\" (lowercase)")]
    Scheme,
    #[error("there is no trust domain after \"spiffe://\"")]
    MissingTrustDomain,
    #[error("the trust domain is {0} bytes long; the limit is 255")]
    TrustDomainTooLong(usize),
    #[error("the trust domain must be lowercase (found {0:?})")]
    UppercaseTrustDomain(char),
    #[error("the trust domain has {0:?}; only a-z, 0-9, '.', '-' and '_' are allowed")]
    TrustDomainChar(char),
    #[error("a port is not allowed after the trust domain")]
    Port,
    #[error("user info (\"…@\") is not allowed before the trust domain")]
    UserInfo,
    #[error("a query (\"?…\") is not allowed")]
    Query,
    #[error("a fragment (\"#…\") is not allowed")]
    Fragment,
    #[error("the path must start with '/'")]
    RelativePath,
    #[error("the path has an empty segment (\"//\")")]
    EmptySegment,
    #[error("the path has a {0:?} segment; \".\" and \"..\" are not allowed")]
    DotSegment(String),
    #[error("the path must not end with '/'")]
    TrailingSlash,
    #[error("the path has {0:?}; segments allow only A-Z, a-z, 0-9, '.', '-' and '_'")]
    PathChar(char),
}

fn parse(input: &str) -> Result<SpiffeId, SpiffeIdErrorKind> {
    if input.is_empty() {
        return Err(SpiffeIdErrorKind::Empty);
    }
    check_len(input)?;
    let rest = input
        .strip_prefix(SCHEME)
        .ok_or(SpiffeIdErrorKind::Scheme)?;
    // Query and fragment first: their '?' and '#' would otherwise read as bad characters.
    if let Some(at) = rest.find(['?', '#']) {
        return Err(match rest.as_bytes()[at] {
            b'?' => SpiffeIdErrorKind::Query,
            _ => SpiffeIdErrorKind::Fragment,
        });
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(SpiffeIdErrorKind::UserInfo);
    }
    if authority.contains(':') {
        return Err(SpiffeIdErrorKind::Port);
    }
    check_trust_domain(authority)?;
    check_path(path)?;
    Ok(SpiffeId {
        trust_domain: TrustDomain(authority.to_owned()),
        path: path.to_owned(),
    })
}

fn check_len(id: &str) -> Result<(), SpiffeIdErrorKind> {
    match id.len() {
        n if n > MAX_ID_LEN => Err(SpiffeIdErrorKind::TooLong(n)),
        _ => Ok(()),
    }
}

fn check_trust_domain(name: &str) -> Result<(), SpiffeIdErrorKind> {
    if name.is_empty() {
        return Err(SpiffeIdErrorKind::MissingTrustDomain);
    }
    if name.len() > MAX_TRUST_DOMAIN_LEN {
        return Err(SpiffeIdErrorKind::TrustDomainTooLong(name.len()));
    }
    match name
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')))
    {
        None => Ok(()),
        Some(c) if c.is_ascii_uppercase() => Err(SpiffeIdErrorKind::UppercaseTrustDomain(c)),
        Some(c) => Err(SpiffeIdErrorKind::TrustDomainChar(c)),
    }
}

/// `path` is empty or starts with '/'.
fn check_path(path: &str) -> Result<(), SpiffeIdErrorKind> {
    let Some(segments) = path.strip_prefix('/') else {
        return Ok(());
    };
    let count = segments.split('/').count();
    for (i, segment) in segments.split('/').enumerate() {
        match segment {
            "" if i + 1 == count => return Err(SpiffeIdErrorKind::TrailingSlash),
            "" => return Err(SpiffeIdErrorKind::EmptySegment),
            "." | ".." => return Err(SpiffeIdErrorKind::DotSegment(segment.to_owned())),
            _ => {}
        }
        if let Some(c) = segment
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            return Err(SpiffeIdErrorKind::PathChar(c));
        }
    }
    Ok(())
}
