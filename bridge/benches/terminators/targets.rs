//! The terminators under test: certificates, configs, and starting each one on loopback.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::procs::{find_program, free_port, Proc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Retromesh,
    Stunnel,
    Nginx,
    Haproxy,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Retromesh, Kind::Stunnel, Kind::Nginx, Kind::Haproxy];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Retromesh => "retromesh",
            Kind::Stunnel => "stunnel",
            Kind::Nginx => "nginx",
            Kind::Haproxy => "haproxy",
        }
    }

    /// The program, or why it is missing and how to get it.
    pub fn program(self) -> Result<PathBuf, String> {
        let names: &[&str] = match self {
            Kind::Retromesh => return Ok(PathBuf::from(env!("CARGO_BIN_EXE_retromesh"))),
            Kind::Stunnel => &["stunnel4", "stunnel"],
            Kind::Nginx => &["nginx"],
            Kind::Haproxy => &["haproxy"],
        };
        find_program(names).ok_or_else(|| {
            format!(
                "{} is not installed: run scripts/bench-deps.sh (apt-get install {})",
                names[0],
                match self {
                    Kind::Stunnel => "stunnel4",
                    Kind::Nginx => "nginx",
                    _ => "haproxy",
                }
            )
        })
    }
}

/// Makes the dev CA in `dir/ca`, the server's certificate in `dir/server` (the micro `echo`'s
/// SPIFFE ID, so retromesh accepts it as that micro's identity, plus its DNS name) and the
/// load generator's in `dir/client`, all with the retromesh binary.
pub fn make_certs(dir: &Path) -> Result<(), String> {
    let bin = env!("CARGO_BIN_EXE_retromesh");
    let ca = dir.join("ca");
    let run = |args: &[&str]| -> Result<(), String> {
        let out = Command::new(bin)
            .arg("certs")
            .arg("--state-dir")
            .arg(&ca)
            .args(args)
            .env_remove("RETROMESH_CONFIG")
            .output()
            .map_err(|e| format!("{bin}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "retromesh certs {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    };
    run(&["ca"])?;
    let server = dir.join("server");
    run(&[
        "issue",
        "--sa",
        "echo",
        "--ns",
        "retromesh",
        "--dns",
        crate::load::SERVER_NAME,
        "--out",
        server.to_str().ok_or("a UTF-8 temp path")?,
    ])?;
    let client = dir.join("client");
    run(&[
        "issue",
        "--sa",
        "loadgen",
        "--ns",
        "default",
        "--out",
        client.to_str().ok_or("a UTF-8 temp path")?,
    ])?;
    // haproxy wants the chain and key in one file.
    let both = fs::read_to_string(server.join("cert-chain.pem")).map_err(|e| e.to_string())?
        + &fs::read_to_string(server.join("key.pem")).map_err(|e| e.to_string())?;
    fs::write(server.join("haproxy.pem"), both).map_err(|e| e.to_string())?;
    Ok(())
}

/// A running terminator.
pub struct Running {
    pub proc: Proc,
    pub port: u16,
    pub path: &'static str,
    /// retromesh only: its line to the micro.
    pub line_port: Option<u16>,
}

/// Starts `kind` in the foreground with its config in `dir`, proxying to the echo backend
/// on `echo_port` (peers) or serving the micro `echo` (retromesh).
pub fn start(
    kind: Kind,
    program: &Path,
    certs: &Path,
    dir: &Path,
    echo_port: u16,
    nofile: u64,
) -> Result<Running, String> {
    let chain = certs.join("server/cert-chain.pem");
    let key = certs.join("server/key.pem");
    let roots = certs.join("server/root-cert.pem");
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let port = free_port();
    let p = |p: &Path| p.display().to_string();
    let log = dir.join(format!("{}.log", kind.name()));
    match kind {
        Kind::Retromesh => {
            let line_port = free_port();
            let config = dir.join("retromesh.toml");
            // An empty config: nothing from a retromesh.toml in the working directory.
            fs::write(&config, "").map_err(|e| e.to_string())?;
            let mut cmd = Command::new(program);
            cmd.arg("--config")
                .arg(&config)
                .arg("bridge")
                .args(["--name", "echo", "--profile", "zx-next"])
                .arg("--tcp-listen")
                .arg(format!("127.0.0.1:{line_port}"))
                .arg("--mtls-listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--listen")
                .arg(format!("127.0.0.1:{}", free_port()))
                .arg("--state-dir")
                .arg(certs.join("ca"))
                .arg("--identity-dir")
                .arg(format!("echo={}", p(&certs.join("server"))))
                .env_remove("RETROMESH_LOG")
                .env("RETROMESH_LOG", "warn");
            Ok(Running {
                proc: Proc::spawn(kind.name(), cmd, &log)?,
                port,
                path: "/v1/micros/echo/rpc",
                line_port: Some(line_port),
            })
        }
        Kind::Stunnel => {
            let conf = format!(
                "foreground = yes\n\
                 pid =\n\
                 output = {log}\n\
                 debug = warning\n\
                 syslog = no\n\
                 socket = l:TCP_NODELAY=1\n\
                 socket = r:TCP_NODELAY=1\n\
                 [echo]\n\
                 accept = 127.0.0.1:{port}\n\
                 connect = 127.0.0.1:{echo_port}\n\
                 cert = {chain}\n\
                 key = {key}\n\
                 CAfile = {roots}\n\
                 verifyChain = yes\n\
                 requireCert = yes\n\
                 sslVersionMin = TLSv1.3\n\
                 sslVersionMax = TLSv1.3\n\
                 curves = prime256v1\n\
                 options = NO_TICKET\n\
                 sessionCacheSize = 1\n",
                log = p(&dir.join("stunnel.out")),
                chain = p(&chain),
                key = p(&key),
                roots = p(&roots),
            );
            let file = dir.join("stunnel.conf");
            fs::write(&file, conf).map_err(|e| e.to_string())?;
            let mut cmd = Command::new(program);
            cmd.arg(&file);
            Ok(Running {
                proc: Proc::spawn(kind.name(), cmd, &log)?,
                port,
                path: "/echo",
                line_port: None,
            })
        }
        Kind::Nginx => {
            let user = if unsafe { libc::geteuid() } == 0 {
                "user root root;\n"
            } else {
                ""
            };
            let conf = format!(
                "{user}daemon off;\n\
                 master_process on;\n\
                 worker_processes auto;\n\
                 worker_rlimit_nofile {nofile};\n\
                 pid {dir}/nginx.pid;\n\
                 error_log {dir}/error.log warn;\n\
                 events {{ worker_connections 30000; }}\n\
                 http {{\n\
                   access_log off;\n\
                   client_body_temp_path {dir}/body;\n\
                   proxy_temp_path {dir}/proxy;\n\
                   fastcgi_temp_path {dir}/fastcgi;\n\
                   uwsgi_temp_path {dir}/uwsgi;\n\
                   scgi_temp_path {dir}/scgi;\n\
                   keepalive_timeout 600s;\n\
                   keepalive_requests 1000000;\n\
                   client_header_timeout 600s;\n\
                   upstream echo {{ server 127.0.0.1:{echo_port}; keepalive 64; }}\n\
                   server {{\n\
                     listen 127.0.0.1:{port} ssl;\n\
                     ssl_certificate {chain};\n\
                     ssl_certificate_key {key};\n\
                     ssl_client_certificate {roots};\n\
                     ssl_verify_client on;\n\
                     ssl_protocols TLSv1.3;\n\
                     ssl_ecdh_curve prime256v1;\n\
                     ssl_session_cache off;\n\
                     ssl_session_tickets off;\n\
                     location / {{\n\
                       proxy_pass http://echo;\n\
                       proxy_http_version 1.1;\n\
                       proxy_set_header Connection \"\";\n\
                     }}\n\
                   }}\n\
                 }}\n",
                dir = p(dir),
                chain = p(&chain),
                key = p(&key),
                roots = p(&roots),
            );
            let file = dir.join("nginx.conf");
            fs::write(&file, conf).map_err(|e| e.to_string())?;
            let mut cmd = Command::new(program);
            cmd.arg("-p").arg(dir).arg("-c").arg(&file);
            Ok(Running {
                proc: Proc::spawn(kind.name(), cmd, &log)?,
                port,
                path: "/echo",
                line_port: None,
            })
        }
        Kind::Haproxy => {
            let conf = format!(
                "global\n\
                 \x20 maxconn {maxconn}\n\
                 \x20 tune.ssl.cachesize 0\n\
                 defaults\n\
                 \x20 mode http\n\
                 \x20 timeout connect 5s\n\
                 \x20 timeout client 600s\n\
                 \x20 timeout server 600s\n\
                 \x20 timeout http-request 600s\n\
                 \x20 timeout http-keep-alive 600s\n\
                 frontend mtls\n\
                 \x20 bind 127.0.0.1:{port} ssl crt {both} ca-file {roots} verify required \
                 ssl-min-ver TLSv1.3 curves P-256 no-tls-tickets alpn http/1.1\n\
                 \x20 default_backend echo\n\
                 backend echo\n\
                 \x20 http-reuse always\n\
                 \x20 server echo 127.0.0.1:{echo_port}\n",
                both = p(&certs.join("server/haproxy.pem")),
                // haproxy wants two fds a connection and refuses to start past the limit.
                maxconn = (nofile / 2).saturating_sub(50).clamp(1000, 30_000),
                roots = p(&roots),
            );
            let file = dir.join("haproxy.cfg");
            fs::write(&file, conf).map_err(|e| e.to_string())?;
            let mut cmd = Command::new(program);
            cmd.arg("-db").arg("-f").arg(&file);
            Ok(Running {
                proc: Proc::spawn(kind.name(), cmd, &log)?,
                port,
                path: "/echo",
                line_port: None,
            })
        }
    }
}
