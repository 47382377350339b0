//! Which micro's certificate a handshake gets.
//!
//! A listener is either dedicated to one micro ([`IdentityChoice::Fixed`]: a port per micro,
//! SNI ignored because the port already names the micro), or shared and chooses by SNI
//! ([`IdentityChoice::BySni`]). Istio clients send `outbound_.PORT_.SUBSET_.FQDN`
//! (`outbound_.8443_._.speccy.retromesh.svc.cluster.local`); the map also takes the plain FQDN
//! and the micro's name, case-insensitively, with or without a trailing dot.
//!
//! An SNI that names no micro (or no SNI at all) gets the default micro's certificate if one is
//! configured, and otherwise fails the handshake, logged with the SNI. Failing is the default
//! because serving another micro's certificate cannot help: the Istio client checks the URI SAN
//! against the service account it expects and would reject it anyway, with an error that names
//! neither the SNI nor the gateway. A default is for a bridge with one micro, or for clients
//! that connect by IP address and send no SNI.

use std::collections::BTreeMap;

use super::TlsError;

/// How a listener picks the identity it presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityChoice {
    BySni(SniMap),
    /// Every handshake gets this micro's identity.
    Fixed(String),
}

impl IdentityChoice {
    /// The micro whose identity answers `sni`, if any.
    pub fn resolve(&self, sni: Option<&str>) -> Option<&str> {
        match self {
            IdentityChoice::Fixed(micro) => Some(micro),
            IdentityChoice::BySni(map) => map.resolve(sni),
        }
    }

    /// Every micro this choice may name.
    pub fn micros(&self) -> Vec<&str> {
        match self {
            IdentityChoice::Fixed(micro) => vec![micro.as_str()],
            IdentityChoice::BySni(map) => {
                let mut all: Vec<&str> = map.names.values().map(String::as_str).collect();
                all.extend(map.default.as_deref());
                all.sort_unstable();
                all.dedup();
                all
            }
        }
    }
}

/// SNI names to micros.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SniMap {
    names: BTreeMap<String, String>,
    default: Option<String>,
}

impl SniMap {
    pub fn new() -> Self {
        SniMap::default()
    }

    /// Answers SNI `micro`, `fqdn` and Istio's `outbound_` names for `fqdn` with `micro`.
    pub fn with_micro(mut self, micro: &str, fqdn: &str) -> Result<Self, TlsError> {
        for name in [micro, fqdn] {
            let name = normalize(name);
            match self.names.get(&name) {
                Some(first) if first != micro => {
                    return Err(TlsError::SniConflict {
                        name,
                        first: first.clone(),
                        second: micro.to_string(),
                    })
                }
                _ => {
                    self.names.insert(name, micro.to_string());
                }
            }
        }
        Ok(self)
    }

    /// Serves `micro`'s identity when the SNI names no micro or is absent.
    pub fn with_default(mut self, micro: &str) -> Self {
        self.default = Some(micro.to_string());
        self
    }

    pub fn resolve(&self, sni: Option<&str>) -> Option<&str> {
        sni.and_then(|s| self.names.get(&normalize(service_host(s))))
            .or(self.default.as_ref())
            .map(String::as_str)
    }
}

/// The service host in an Istio SNI (`outbound_.8443_._.speccy.ns.svc.cluster.local` gives
/// `speccy.ns.svc.cluster.local`); any other name is returned as it is.
pub fn service_host(sni: &str) -> &str {
    let parse = || {
        let rest = strip_prefix_ignore_case(sni, "outbound_.")?;
        let (port, rest) = rest.split_once("_.")?;
        let (_subset, host) = rest.split_once("_.")?;
        let port_ok = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        (port_ok && !host.is_empty()).then_some(host)
    };
    parse().unwrap_or(sni)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istio_sni_gives_the_service_host() {
        let fqdn = "speccy.retromesh.svc.cluster.local";
        assert_eq!(
            service_host("outbound_.8443_._.speccy.retromesh.svc.cluster.local"),
            fqdn
        );
        assert_eq!(
            service_host("outbound_.80_.v1_.speccy.retromesh.svc.cluster.local"),
            fqdn
        );
        assert_eq!(service_host(fqdn), fqdn);
        assert_eq!(service_host("outbound_.x_._.a"), "outbound_.x_._.a");
        assert_eq!(service_host("outbound_.80_._."), "outbound_.80_._.");
    }

    #[test]
    fn map_takes_istio_sni_fqdn_and_name_and_falls_back_to_the_default() {
        let map = SniMap::new()
            .with_micro("speccy", "speccy.retromesh.svc.cluster.local")
            .unwrap()
            .with_micro("c64", "c64.retromesh.svc.cluster.local")
            .unwrap();
        for sni in [
            "outbound_.8443_._.speccy.retromesh.svc.cluster.local",
            "OUTBOUND_.8443_._.Speccy.Retromesh.svc.cluster.local.",
            "speccy.retromesh.svc.cluster.local",
            "speccy",
        ] {
            assert_eq!(map.resolve(Some(sni)), Some("speccy"), "{sni}");
        }
        assert_eq!(map.resolve(Some("c64")), Some("c64"));
        assert_eq!(map.resolve(Some("vic20")), None);
        assert_eq!(map.resolve(None), None);
        let map = map.with_default("speccy");
        assert_eq!(map.resolve(Some("vic20")), Some("speccy"));
        assert_eq!(map.resolve(None), Some("speccy"));
        assert_eq!(IdentityChoice::BySni(map).micros(), ["c64", "speccy"]);
    }

    #[test]
    fn two_micros_cannot_claim_one_name() {
        let e = SniMap::new()
            .with_micro("speccy", "speccy.example")
            .unwrap()
            .with_micro("other", "SPECCY.example")
            .unwrap_err();
        assert!(e.to_string().contains("speccy.example"), "{e}");
    }

    #[test]
    fn fixed_ignores_sni() {
        let fixed = IdentityChoice::Fixed("speccy".into());
        assert_eq!(fixed.resolve(Some("c64")), Some("speccy"));
        assert_eq!(fixed.resolve(None), Some("speccy"));
    }
}
