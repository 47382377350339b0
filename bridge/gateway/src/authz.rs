//! Per-micro authorization with the semantics of Istio's `AuthorizationPolicy`.
//!
//! Each [`Rule`] is ALLOW or DENY for one micro (or `*`, every micro). A rule matches when every
//! field it sets matches, and a field matches when any of its entries does; a rule that sets no
//! fields matches every request (Istio's `rules: [{}]`).
//!
//! For a request to micro M: a matching DENY rule denies; with no ALLOW rule for M the request
//! is allowed (no policy, no restriction); otherwise a matching ALLOW rule is needed.
//!
//! Principals are SPIFFE IDs as Istio writes them, without `spiffe://`. Principals, namespaces
//! and paths take Istio's wildcards: `*` alone (anything, but only for an authenticated caller
//! where the field is about the caller), `prefix*` or `*suffix`.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    Allow,
    Deny,
}

/// One authorization rule, as read from config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    /// A micro's name, or `*` for every micro.
    pub micro: String,
    pub action: Action,
    #[serde(default)]
    pub principals: Vec<String>,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
}

/// The outcome of [`Policies::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `rule` is the matching ALLOW rule, or `None` when no ALLOW rule exists for the micro.
    Allow { rule: Option<String> },
    /// `rule` is the matching DENY rule, or `None` when no ALLOW rule matched; `reason` is the
    /// line for the 403 body.
    Deny {
        rule: Option<String>,
        reason: String,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

/// A rule set that [`Policies::new`] rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `index` counts from 0 in config order: there is no name to report.
    #[error("rule #{index}: name is empty")]
    EmptyName { index: usize },
    #[error("rule {rule:?}: name is used by an earlier rule too")]
    DuplicateName { rule: String },
    #[error("rule {rule:?}: {field} {value:?}: {problem}")]
    BadValue {
        rule: String,
        field: &'static str,
        value: String,
        problem: &'static str,
    },
}

impl PolicyError {
    /// The rule at fault, when it has a name.
    pub fn rule(&self) -> Option<&str> {
        match self {
            PolicyError::EmptyName { .. } => None,
            PolicyError::DuplicateName { rule } | PolicyError::BadValue { rule, .. } => Some(rule),
        }
    }
}

const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// An Istio string match: exact, `prefix*`, `*suffix` or `*`.
#[derive(Debug, Clone)]
enum Pattern {
    Any,
    Exact(String),
    Prefix(String),
    Suffix(String),
}

impl Pattern {
    fn parse(value: &str) -> Result<Pattern, &'static str> {
        if value.is_empty() {
            return Err("empty entry");
        }
        if value == "*" {
            return Ok(Pattern::Any);
        }
        let stars = value.matches('*').count();
        if stars > 1 {
            return Err("only one * is allowed, at the start or the end");
        }
        if let Some(prefix) = value.strip_suffix('*') {
            Ok(Pattern::Prefix(prefix.to_owned()))
        } else if let Some(suffix) = value.strip_prefix('*') {
            Ok(Pattern::Suffix(suffix.to_owned()))
        } else if stars == 1 {
            Err("* is allowed only at the start or the end")
        } else {
            Ok(Pattern::Exact(value.to_owned()))
        }
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(e) => s == e,
            Pattern::Prefix(p) => s.starts_with(p.as_str()),
            Pattern::Suffix(p) => s.ends_with(p.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
struct Compiled {
    rule: Rule,
    principals: Vec<Pattern>,
    namespaces: Vec<Pattern>,
    paths: Vec<Pattern>,
}

/// What a request looks like to the matcher.
struct Request<'a> {
    principal: Option<&'a str>,
    namespace: Option<&'a str>,
    method: &'a str,
    path: &'a str,
}

impl Compiled {
    fn applies_to(&self, micro: &str) -> bool {
        self.rule.micro == "*" || self.rule.micro == micro
    }

    fn matches(&self, req: &Request<'_>) -> bool {
        // An empty field is not set and so does not constrain; a caller-side field never
        // matches an unauthenticated caller.
        let caller_field = |pats: &[Pattern], value: Option<&str>| {
            pats.is_empty() || value.is_some_and(|v| pats.iter().any(|p| p.matches(v)))
        };
        caller_field(&self.principals, req.principal)
            && caller_field(&self.namespaces, req.namespace)
            && (self.rule.methods.is_empty() || self.rule.methods.iter().any(|m| m == req.method))
            && (self.paths.is_empty() || self.paths.iter().any(|p| p.matches(req.path)))
    }
}

/// A validated rule set.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    rules: Vec<Compiled>,
}

impl Policies {
    /// Validates `rules` (names non-empty and unique, wildcards well formed, methods known and
    /// uppercase, paths absolute) and keeps them in order.
    pub fn new(rules: Vec<Rule>) -> Result<Policies, PolicyError> {
        let mut names = HashSet::new();
        let mut compiled = Vec::with_capacity(rules.len());
        for (index, rule) in rules.into_iter().enumerate() {
            if rule.name.is_empty() {
                return Err(PolicyError::EmptyName { index });
            }
            if !names.insert(rule.name.clone()) {
                return Err(PolicyError::DuplicateName { rule: rule.name });
            }
            let bad =
                |field: &'static str, value: &str, problem: &'static str| PolicyError::BadValue {
                    rule: rule.name.clone(),
                    field,
                    value: value.to_owned(),
                    problem,
                };
            if rule.micro.is_empty() {
                return Err(bad("micro", "", "empty; use * for every micro"));
            }
            if rule.micro != "*" && rule.micro.contains('*') {
                return Err(bad("micro", &rule.micro, "must be a name or *"));
            }
            for m in &rule.methods {
                if !METHODS.contains(&m.as_str()) {
                    return Err(bad("method", m, "not an uppercase HTTP method"));
                }
            }
            let patterns = |field: &'static str, values: &[String]| {
                values
                    .iter()
                    .map(|v| Pattern::parse(v).map_err(|problem| bad(field, v, problem)))
                    .collect::<Result<Vec<_>, _>>()
            };
            let principals = patterns("principal", &rule.principals)?;
            let namespaces = patterns("namespace", &rule.namespaces)?;
            let paths = patterns("path", &rule.paths)?;
            // A path that starts with neither / nor * could never match: a typo.
            if let Some(p) = rule
                .paths
                .iter()
                .find(|p| !p.starts_with('/') && !p.starts_with('*'))
            {
                return Err(bad("path", p, "must start with / or *"));
            }
            if let Some(p) = rule.principals.iter().find(|p| p.starts_with("spiffe://")) {
                return Err(bad(
                    "principal",
                    p,
                    "write it without spiffe://, as Istio does",
                ));
            }
            compiled.push(Compiled {
                principals,
                namespaces,
                paths,
                rule,
            });
        }
        Ok(Policies { rules: compiled })
    }

    /// Decides a request to `micro`. `caller` is the full `spiffe://...` ID when the TLS layer
    /// authenticated the caller; anything else counts as unauthenticated.
    pub fn check(&self, micro: &str, caller: Option<&str>, method: &str, path: &str) -> Decision {
        let principal = caller.and_then(|c| c.strip_prefix("spiffe://"));
        let req = Request {
            principal,
            namespace: principal.and_then(namespace_of),
            method,
            // Istio matches the path without the query string.
            path: path.split_once('?').map_or(path, |(p, _)| p),
        };
        let rules = || self.rules.iter().filter(|c| c.applies_to(micro));
        let action = |a: Action| rules().filter(move |c| c.rule.action == a);

        if let Some(deny) = action(Action::Deny).find(|c| c.matches(&req)) {
            return Decision::Deny {
                rule: Some(deny.rule.name.clone()),
                reason: format!("denied by rule {:?}", deny.rule.name),
            };
        }
        let allows: Vec<&Compiled> = action(Action::Allow).collect();
        if allows.is_empty() {
            return Decision::Allow { rule: None };
        }
        if let Some(allow) = allows.iter().find(|c| c.matches(&req)) {
            return Decision::Allow {
                rule: Some(allow.rule.name.clone()),
            };
        }
        let names: Vec<&str> = allows.iter().map(|c| c.rule.name.as_str()).collect();
        Decision::Deny {
            rule: None,
            reason: format!(
                "no ALLOW rule for micro {micro} matches (rules: {})",
                names.join(", ")
            ),
        }
    }

    /// The rules that apply to `micro`, its own and `*` ones, in config order.
    pub fn rules_for(&self, micro: &str) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|c| c.applies_to(micro))
            .map(|c| &c.rule)
            .collect()
    }

    /// Micro names that rules name (not `*`), so a config checker can flag unknown micros.
    pub fn micros_named(&self) -> BTreeSet<&str> {
        self.rules
            .iter()
            .map(|c| c.rule.micro.as_str())
            .filter(|m| *m != "*")
            .collect()
    }
}

/// The namespace in `trust-domain/ns/<ns>/sa/<sa>`, the form Istio issues.
fn namespace_of(principal: &str) -> Option<&str> {
    let mut segments = principal.split('/').skip(1); // the trust domain
    while let Some(s) = segments.next() {
        if s == "ns" {
            return segments.next().filter(|ns| !ns.is_empty());
        }
    }
    None
}
