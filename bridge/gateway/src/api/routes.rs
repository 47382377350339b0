//! Which route a request is for, as a pure function of method and path, so it can be fuzzed on
//! its own. Micro names are checked before anything looks them up.

use hyper::Method;

/// A micro's name: its SPIFFE ID's service account and its host name's first label.
pub const NAME_RULE: &str =
    "1-32 lowercase letters, digits or '-', not starting or ending with '-'";

/// `Err` says why `name` cannot be a micro name.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{:?} is not a micro name: a name is {NAME_RULE}",
            name.chars().take(40).collect::<String>()
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /v1/micros`
    List,
    /// `GET|POST /v1/micros/{name}/rpc[/path][?query]`: `target` is `/path?query`.
    Rpc { micro: &'a str, target: String },
    /// `POST /v1/micros/{name}/print`
    Print { micro: &'a str },
    /// `GET /v1/micros/{name}/printout[.png|.txt]`; `text` is `None` when the Accept header decides.
    Printout { micro: &'a str, text: Option<bool> },
    /// `GET /v1/micros/{name}/screen.png`
    Screen { micro: &'a str },
}

impl Route<'_> {
    pub fn micro(&self) -> Option<&str> {
        match self {
            Route::List => None,
            Route::Rpc { micro, .. }
            | Route::Print { micro }
            | Route::Printout { micro, .. }
            | Route::Screen { micro } => Some(micro),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// 404: no such route; the text lists the routes.
    NotFound(String),
    /// 400: the micro name breaks [`NAME_RULE`].
    BadName(String),
    /// 405 with `Allow`.
    Method { allow: &'static str, what: String },
}

const ROUTES: &str =
    "GET /v1/micros, GET|POST /v1/micros/NAME/rpc[/PATH], POST /v1/micros/NAME/print, \
GET /v1/micros/NAME/printout[.png|.txt], GET /v1/micros/NAME/screen.png";

pub fn route<'a>(
    method: &Method,
    path: &'a str,
    query: Option<&str>,
) -> Result<Route<'a>, RouteError> {
    let not_found = || RouteError::NotFound(format!("no route {path}; the routes are {ROUTES}"));
    let rest = path.strip_prefix("/v1/micros").ok_or_else(not_found)?;
    if rest.is_empty() || rest == "/" {
        return only(method, &Method::GET, "GET", "/v1/micros").map(|_| Route::List);
    }
    let rest = rest.strip_prefix('/').ok_or_else(not_found)?;
    let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
    check_name(name).map_err(RouteError::BadName)?;
    let micro = name;
    match action {
        "rpc" => rpc(method, micro, "/", query),
        a if a.starts_with("rpc/") => rpc(method, micro, &a[3..], query),
        "print" => only(method, &Method::POST, "POST", "print").map(|_| Route::Print { micro }),
        "printout" | "printout.png" | "printout.txt" => {
            let text = match action {
                "printout.png" => Some(false),
                "printout.txt" => Some(true),
                _ => None,
            };
            only(method, &Method::GET, "GET", "printout").map(|_| Route::Printout { micro, text })
        }
        "screen.png" => {
            only(method, &Method::GET, "GET", "screen.png").map(|_| Route::Screen { micro })
        }
        _ => Err(not_found()),
    }
}

fn rpc<'a>(
    method: &Method,
    micro: &'a str,
    sub: &str,
    query: Option<&str>,
) -> Result<Route<'a>, RouteError> {
    if method != Method::GET && method != Method::POST {
        return Err(RouteError::Method {
            allow: "GET, POST",
            what: format!("{method} is not passed to micros: use GET or POST on rpc"),
        });
    }
    let mut target = sub.to_string();
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    Ok(Route::Rpc { micro, target })
}

fn only(method: &Method, want: &Method, allow: &'static str, what: &str) -> Result<(), RouteError> {
    if method == want || (want == Method::GET && method == Method::HEAD) {
        Ok(())
    } else {
        Err(RouteError::Method {
            allow,
            what: format!("{method} {what}: use {allow}"),
        })
    }
}
