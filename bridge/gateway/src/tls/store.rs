//! The current `ServerConfig` of each micro, rebuilt when its identity or the trust bundle
//! changes in their `watch` channels.
//!
//! A rebuild happens on the first handshake that sees the new value (comparing `Arc`s), so
//! open connections are untouched and nothing polls. A new identity or bundle that does not
//! build (wrong key, empty bundle) is logged and the last good config stays in use: a bad
//! rotation must not take the micro off the mesh.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rustls::crypto::CryptoProvider;
use rustls::server::danger::ClientCertVerifier;
use rustls::ServerConfig;
use tokio::sync::watch;

use super::verify::SpiffeClientVerifier;
use super::{ServerIdentity, TlsError, TlsPolicy, TrustBundle};

pub struct ConfigStore {
    policy: TlsPolicy,
    provider: Arc<CryptoProvider>,
    identities: BTreeMap<String, watch::Receiver<Arc<ServerIdentity>>>,
    bundle: watch::Receiver<Arc<TrustBundle>>,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    verifier: Option<Built<TrustBundle, Arc<dyn ClientCertVerifier>>>,
    configs: BTreeMap<String, Entry>,
}

/// What was last seen in a channel, and the last good thing built from it or before it.
struct Built<T, V> {
    seen: Arc<T>,
    good: Option<V>,
}

struct Entry {
    identity: Arc<ServerIdentity>,
    bundle: Arc<TrustBundle>,
    config: Option<Arc<ServerConfig>>,
}

impl ConfigStore {
    /// Builds every micro's config once, so a listener with a bad start-up identity or bundle
    /// is refused at once.
    pub fn new(
        policy: TlsPolicy,
        identities: impl IntoIterator<Item = (String, watch::Receiver<Arc<ServerIdentity>>)>,
        bundle: watch::Receiver<Arc<TrustBundle>>,
    ) -> Result<Self, TlsError> {
        let store = ConfigStore {
            provider: policy.provider(),
            policy,
            identities: identities.into_iter().collect(),
            bundle,
            cache: Mutex::default(),
        };
        for micro in store.identities.keys() {
            store.try_config(micro)?;
        }
        Ok(store)
    }

    pub fn has_micro(&self, micro: &str) -> bool {
        self.identities.contains_key(micro)
    }

    pub fn policy(&self) -> TlsPolicy {
        self.policy
    }

    pub fn provider(&self) -> &Arc<CryptoProvider> {
        &self.provider
    }

    /// The config for `micro`'s next handshake: current, or the last good one.
    pub fn config(&self, micro: &str) -> Result<Arc<ServerConfig>, TlsError> {
        match self.try_config(micro) {
            Ok(config) => Ok(config),
            Err(e) => {
                let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                match cache.configs.get(micro).and_then(|e| e.config.clone()) {
                    Some(old) => Ok(old),
                    None => Err(e),
                }
            }
        }
    }

    fn try_config(&self, micro: &str) -> Result<Arc<ServerConfig>, TlsError> {
        let rx = self
            .identities
            .get(micro)
            .ok_or_else(|| TlsError::NoIdentity(micro.to_string()))?;
        let identity = rx.borrow().clone();
        let bundle = self.bundle.borrow().clone();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = cache.configs.get(micro) {
            if Arc::ptr_eq(&e.identity, &identity) && Arc::ptr_eq(&e.bundle, &bundle) {
                if let Some(config) = &e.config {
                    return Ok(config.clone());
                }
            }
        }
        let verifier = self.verifier(&mut cache, &bundle)?;
        let built = self
            .policy
            .server_config(&self.provider, micro, &identity, verifier);
        let old = cache.configs.remove(micro).and_then(|e| e.config);
        let (config, result) = match built {
            Ok(config) => {
                let config = Arc::new(config);
                tracing::info!(
                    micro,
                    spiffe_id = %identity.spiffe_id,
                    trust_domain = %bundle.trust_domain,
                    roots = bundle.roots.len(),
                    "TLS identity loaded"
                );
                (Some(config.clone()), Ok(config))
            }
            Err(e) => {
                if old.is_some() {
                    tracing::error!(
                        micro,
                        "new TLS identity not used, keeping the previous one: {e}"
                    );
                }
                (old, Err(e))
            }
        };
        cache.configs.insert(
            micro.to_string(),
            Entry {
                identity,
                bundle,
                config,
            },
        );
        result
    }

    /// The verifier for `bundle`, built once per bundle value; a bad bundle keeps the last good.
    fn verifier(
        &self,
        cache: &mut Cache,
        bundle: &Arc<TrustBundle>,
    ) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
        if let Some(b) = &cache.verifier {
            if Arc::ptr_eq(&b.seen, bundle) {
                return b.good.clone().ok_or_else(|| TlsError::BadBundle {
                    trust_domain: bundle.trust_domain.clone(),
                    why: "no usable bundle yet".into(),
                });
            }
        }
        let old = cache.verifier.take().and_then(|b| b.good);
        let (good, result) = match SpiffeClientVerifier::new(bundle, self.provider.clone()) {
            Ok(v) => {
                let v: Arc<dyn ClientCertVerifier> = Arc::new(v);
                (Some(v.clone()), Ok(v))
            }
            Err(e) => {
                tracing::error!("new trust bundle not used, keeping the previous one: {e}");
                match old {
                    Some(old) => (Some(old.clone()), Ok(old)),
                    None => (None, Err(e)),
                }
            }
        };
        cache.verifier = Some(Built {
            seen: bundle.clone(),
            good,
        });
        result
    }
}
