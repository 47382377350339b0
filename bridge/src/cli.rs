//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

#[derive(Debug, Parser)]
#[command(
    name = "retromesh",
    version,
    about = "8-bit micros on a service mesh, and 8-bit software in CI",
    long_about = "retromesh runs ZX Spectrum programs headless in an emulator, captures what they print \
on a virtual ZX Printer, and reads the printout back as text so that CI can assert on it.\n\n\
Start with `retromesh print program.bas` to see what a program prints, then write a spec and run \
`retromesh test DIR`.",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    /// Config file (TOML). Default: ./retromesh.toml when it exists.
    #[arg(long, global = true, env = "RETROMESH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log format on stderr.
    #[arg(long, global = true, env = "RETROMESH_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// More log output (-v debug, -vv trace). RETROMESH_LOG takes a full tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one program and print what it printed on the ZX Printer.
    #[command(after_help = "Examples:
  retromesh print hello.bas
  retromesh print game.tap --budget 60 --png printout.png
  retromesh print routine.bin --load-address 0x8000 --keys 'y{ENTER}'
  retromesh print demo.bas --rom opense --ocr

The decoded text goes to stdout; why the run stopped goes to the log on stderr.")]
    Print(Box<PrintArgs>),

    /// Run test specs (TOML files next to the programs) and report.
    #[command(after_help = "Examples:
  retromesh test ocr-test/examples
  retromesh test specs/ --jobs 4 --junit junit.xml
  retromesh test hello.toml --bless     # (re)write the golden PNGs the specs name

A spec names a program, the machine, inputs, a stop condition and what the printout must
show; see docs/test-specs.md. A failing spec leaves NAME.actual.png, NAME.actual.txt,
NAME.screen.png and NAME.diff beside it.")]
    Test(TestArgs),

    /// Serve micros on serial ports, PTYs, TCP or in the emulator, and expose them over HTTP.
    #[command(after_help = "Examples:
  retromesh bridge --device /dev/ttyUSB0 --profile zx-if1 --service weather=http://127.0.0.1:9000
  retromesh bridge --tcp 127.0.0.1:25232 --ip232 --profile c64-swiftlink --name c64
  retromesh bridge --emulate firmware/zx/demos/serve.bas --port if1
  retromesh bridge --config retromesh.toml        # [[micros]], [services], [bridge]

Then: curl http://127.0.0.1:8080/v1/micros
      curl -d 'HELLO' http://127.0.0.1:8080/v1/micros/speccy/rpc/print

The micro talks line mode (BASIC: PRINT #4 / INPUT #4) or frame mode (machine code); see
docs/link.md. Profiles: zx-if1, zx-128, zx-next, c64-userport, c64-swiftlink.")]
    Bridge(Box<BridgeArgs>),

    /// The development CA: print its root, or issue certificates for people and services.
    #[command(after_help = "Examples:
  retromesh certs issue --sa weather --ns default --out certs/weather     # a sample service
  retromesh certs issue --sa alice --out certs/alice --layout csi         # tls.crt, tls.key, ca.crt
  retromesh certs ca > root-cert.pem

The CA is made on first use in the state directory (ECDSA P-256) and reused after that.
Certificates carry the SPIFFE ID spiffe://TRUST-DOMAIN/ns/NS/sa/NAME as their URI SAN and are
written in Istio's OUTPUT_CERTS layout (cert-chain.pem, key.pem, root-cert.pem) by default.")]
    Certs(CertsArgs),

    /// Check a bridge's config without starting anything, and explain each problem with a fix.
    #[command(after_help = "Examples:
  retromesh analyze retromesh.toml
  retromesh analyze retromesh.toml --warnings-as-errors     # in CI

Checks serial devices, identities (cert/key match, SPIFFE ID and trust domain, expiry, trust
bundle), services, policies and listener ports. Each finding has a code (RM...) listed in
docs/gateway.md. Exit code 0 when there are no errors, 1 when there are, 2 when the file
cannot be read as a config.")]
    Analyze(AnalyzeArgs),

    /// Show one micro of a running bridge: identity, link state, recent errors, policies, expiry.
    #[command(after_help = "Examples:
  retromesh describe speccy
  retromesh describe speccy --admin 127.0.0.1:15000 --json

Reads the bridge's admin page (--admin-listen on the bridge, 127.0.0.1:15000 by default for
`retromesh up`). Exit code 0 when shown, 1 when the bridge has no such micro, 5 when no
bridge answers.")]
    Describe(DescribeArgs),

    /// The whole demo on one machine: an emulated Spectrum as a mesh workload with its own
    /// SPIFFE identity, a sample mesh service, mTLS, metrics. No hardware, no setup.
    #[command(after_help = "Examples:
  retromesh up
  retromesh up --mtls-listen 127.0.0.1:9443 --state-dir /tmp/rm

Starts an emulated 48K Spectrum running the demo client, the bridge and gateway with the
development CA, and a sample service with its own identity. It prints the micro's SPIFFE ID,
the endpoints and curl commands to paste, then shows the Spectrum fetching from the sample
service and printing the answer. Ctrl-C stops everything.")]
    Up(Box<UpArgs>),

    /// The sample mesh service on its own: mutual TLS only, answers GET /greeting with the
    /// caller's SPIFFE ID. For demos across machines or containers.
    #[command(after_help = "Examples:
  retromesh certs issue --sa hello --ns default --dns hello --out certs/hello
  retromesh sample --identity-dir certs/hello --listen 0.0.0.0:9443

Then a micro calls it: [services.hello] url = \"https://hello:9443\",
spiffe_id = \"spiffe://cluster.local/ns/default/sa/hello\". Callers need a certificate from the
same trust bundle. Stops on SIGTERM or Ctrl-C.")]
    Sample(SampleArgs),

    /// Ask a running bridge whether it is ready (GET /healthz/ready). For container health
    /// checks: exit code 0 ready, 1 not ready, 5 no answer.
    #[command(after_help = "Examples:
  retromesh health                                   # the config's ready_listen, else 127.0.0.1:15021
  retromesh health --url http://10.0.0.7:15021/healthz/ready

A wildcard ready_listen (0.0.0.0) is asked on 127.0.0.1. Not ready prints the bridge's reason,
e.g. \"draining: the bridge is shutting down\".")]
    Health(HealthArgs),
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The service's certificate, key and trust bundle: Istio's OUTPUT_CERTS layout
    /// (cert-chain.pem, key.pem, root-cert.pem) or csi-driver-spiffe's (tls.crt, tls.key, ca.crt).
    #[arg(long, env = "RETROMESH_SAMPLE_IDENTITY_DIR", value_name = "DIR")]
    pub identity_dir: PathBuf,

    /// Where it listens.
    #[arg(
        long,
        env = "RETROMESH_SAMPLE_LISTEN",
        default_value = "127.0.0.1:9443",
        value_name = "ADDR"
    )]
    pub listen: String,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// The readiness URL. [default: http://READY_LISTEN/healthz/ready from the config]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Seconds to wait for an answer.
    #[arg(long, default_value_t = 3.0, value_name = "SECONDS")]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The config file to check.
    #[arg(value_name = "CONFIG")]
    pub file: PathBuf,

    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub warnings_as_errors: bool,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The micro's name.
    pub micro: String,

    /// The bridge's admin address.
    #[arg(
        long,
        env = "RETROMESH_ADMIN",
        default_value = "127.0.0.1:15000",
        value_name = "ADDR"
    )]
    pub admin: String,

    /// Print the admin page's JSON instead of the summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where the mutual-TLS API listens.
    #[arg(long, default_value = "127.0.0.1:8443", value_name = "ADDR")]
    pub mtls_listen: String,

    /// Where the plain-HTTP API listens (loopback only is wise).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,

    /// Prometheus metrics.
    #[arg(long, default_value = "127.0.0.1:15020", value_name = "ADDR")]
    pub metrics_listen: String,

    /// Readiness.
    #[arg(long, default_value = "127.0.0.1:15021", value_name = "ADDR")]
    pub ready_listen: String,

    /// The admin page.
    #[arg(long, default_value = "127.0.0.1:15000", value_name = "ADDR")]
    pub admin_listen: String,

    /// Where the sample mesh service listens (mutual TLS).
    #[arg(long, default_value = "127.0.0.1:9443", value_name = "ADDR")]
    pub sample_listen: String,

    /// Where the development CA and the issued certificates live. [default: $XDG_STATE_HOME/retromesh]
    #[arg(long, env = "RETROMESH_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Trust domain of every identity.
    #[arg(long, env = "RETROMESH_TRUST_DOMAIN", default_value = "cluster.local")]
    pub trust_domain: String,

    /// Stop once the demo has run through (fetch, print, printout served) instead of serving
    /// until Ctrl-C. For scripts and CI.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct CertsArgs {
    /// Where the development CA lives. [default: $XDG_STATE_HOME/retromesh]
    #[arg(long, env = "RETROMESH_STATE_DIR", global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// The trust domain of the CA and its certificates.
    #[arg(
        long,
        env = "RETROMESH_TRUST_DOMAIN",
        default_value = "cluster.local",
        global = true
    )]
    pub trust_domain: String,

    #[command(subcommand)]
    pub command: CertsCommand,
}

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Print the CA's root certificate (PEM).
    Ca,
    /// Issue a certificate with a SPIFFE ID.
    Issue {
        /// The whole SPIFFE ID (instead of --ns/--sa).
        #[arg(long)]
        spiffe_id: Option<String>,
        /// Namespace part of spiffe://TD/ns/NS/sa/NAME.
        #[arg(long, default_value = "default")]
        ns: String,
        /// Service account part of spiffe://TD/ns/NS/sa/NAME.
        #[arg(long)]
        sa: Option<String>,
        /// A DNS name to add as a SAN (repeatable).
        #[arg(long)]
        dns: Vec<String>,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 24.0)]
        hours: f64,
        /// Folder to write the files to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// File names: istio (cert-chain.pem, key.pem, root-cert.pem) or csi (tls.crt, tls.key, ca.crt).
        #[arg(long, value_enum, default_value = "istio")]
        layout: LayoutName,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutName {
    Istio,
    Csi,
}

#[derive(Debug, Args)]
pub struct BridgeArgs {
    /// Address for the /v1 HTTP API. [default: 127.0.0.1:8080]
    #[arg(long, env = "RETROMESH_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,

    /// The micro's name in the API (for a micro given by flags).
    #[arg(long, default_value = "speccy")]
    pub name: String,

    /// Machine profile: zx-if1, zx-128, zx-next, c64-userport, c64-swiftlink.
    #[arg(long, default_value = "zx-if1")]
    pub profile: String,

    /// Serial device or PTY the micro is on.
    #[arg(long, env = "RETROMESH_DEVICE", value_name = "PATH")]
    pub device: Option<PathBuf>,

    /// Connect to an emulator's or tcpser's RS-232 socket at HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub tcp: Option<String>,

    /// Wait for an emulator to connect at IP:PORT.
    #[arg(long, value_name = "IP:PORT")]
    pub tcp_listen: Option<String>,

    /// Speak the ip232 framing (VICE, tcpser) on the TCP line.
    #[arg(long)]
    pub ip232: bool,

    /// Line speed over the profile's.
    #[arg(long)]
    pub baud: Option<u32>,

    /// Run this program in an emulated Spectrum with the Z80 client library, as a micro.
    #[arg(long, value_name = "PROGRAM")]
    pub emulate: Option<PathBuf>,

    /// The emulated Spectrum's serial port: if1, ay128 (a 128K) or next.
    #[arg(long, default_value = "if1")]
    pub port: String,

    /// A service micros may call: NAME=URL (repeatable).
    #[arg(long, value_name = "NAME=URL")]
    pub service: Vec<String>,

    /// Seconds every exchange with a micro may take. [default: 30]
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,

    /// On SIGTERM or Ctrl-C: seconds to let requests in flight finish before exiting.
    /// Keep it under the container's stop timeout. [default: 25]
    #[arg(long, env = "RETROMESH_DRAIN_SECS", value_name = "SECONDS")]
    pub drain_secs: Option<f64>,

    /// Also serve the API over mutual TLS here, each micro with its own SPIFFE identity.
    #[arg(long, env = "RETROMESH_MTLS_LISTEN", value_name = "ADDR")]
    pub mtls_listen: Option<String>,

    /// strict: TLS with a client certificate only; permissive: plaintext too, on the same port.
    /// [default: strict]
    #[arg(long, env = "RETROMESH_MTLS_MODE", value_enum)]
    pub mtls_mode: Option<MtlsModeName>,

    /// Also accept TLS 1.2 on the mTLS listener, for clients that cannot speak 1.3 (Istio's
    /// sidecars and ztunnel speak 1.3). [default: false]
    #[arg(
        long,
        env = "RETROMESH_ALLOW_TLS12",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub allow_tls12: Option<bool>,

    /// Trust domain of the micros' SPIFFE IDs (spiffe://TD/ns/retromesh/sa/NAME).
    /// [default: cluster.local]
    #[arg(long, env = "RETROMESH_TRUST_DOMAIN")]
    pub trust_domain: Option<String>,

    /// Where the development CA lives. [default: $XDG_STATE_HOME/retromesh]
    #[arg(long, env = "RETROMESH_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// A micro's identity from PEM files instead of the development CA: NAME=DIR, with DIR in
    /// Istio's layout (cert-chain.pem, key.pem, root-cert.pem) or csi-driver-spiffe's
    /// (tls.crt, tls.key, ca.crt). Reloaded when the files change.
    #[arg(long, value_name = "NAME=DIR")]
    pub identity_dir: Vec<String>,

    /// Prometheus metrics (/stats/prometheus) here, e.g. 127.0.0.1:15020.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,

    /// Readiness (/healthz/ready) here, e.g. 127.0.0.1:15021.
    #[arg(long, value_name = "ADDR")]
    pub ready_listen: Option<String>,

    /// The admin page (micros, identities, recent errors; what `retromesh describe` reads)
    /// here, e.g. 127.0.0.1:15000. Loopback addresses only.
    #[arg(long, env = "RETROMESH_ADMIN_LISTEN", value_name = "ADDR")]
    pub admin_listen: Option<String>,

    /// Take micros' identities from the SPIFFE Workload API (a SPIRE agent) at this socket
    /// instead of the development CA. Each micro's SVID is picked by its SPIFFE ID.
    #[arg(long, env = "SPIFFE_ENDPOINT_SOCKET", value_name = "unix:///PATH")]
    pub workload_api: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MtlsModeName {
    Strict,
    Permissive,
}

#[derive(Debug, Args)]
pub struct MachineArgs {
    /// Which machine: 48k, 128k (128 BASIC: LPRINT goes to the RS-232 printer), 128k-48basic
    /// (48 BASIC from the 128K's menu: LPRINT goes to the ZX Printer), or c64 (a .prg, ca65
    /// assembly, or BASIC with --rom-dir; a .prg file picks it by itself). [default: 48k]
    #[arg(long, env = "RETROMESH_MACHINE", value_parser = ["48k", "128k", "128k-48basic", "c64"])]
    pub machine: Option<String>,

    /// ROM: `sinclair` (bundled), `opense` (Debian's opense-basic) or a ROM file path.
    #[arg(long, env = "RETROMESH_ROM")]
    pub rom: Option<String>,

    /// Emulated seconds before the run gives up. [default: 30]
    #[arg(long, env = "RETROMESH_BUDGET", value_name = "SECONDS")]
    pub budget: Option<f64>,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The program: .bas (zmakebas syntax), .tap, .sna, .z80, or .bin with --load-address.
    pub file: PathBuf,

    #[command(flatten)]
    pub machine: MachineArgs,

    /// Save the printout as a PNG (black dots on white; 256 wide, or 640 for the C64).
    #[arg(long, value_name = "OUT.png")]
    pub png: Option<PathBuf>,

    /// C64 only: the printer the program prints to, `userport` (Centronics on the user port,
    /// geoCable-style) or `device4` (KERNAL `OPEN 4,4`). [default: device4]
    #[arg(long, value_parser = ["userport", "device4"])]
    pub printer: Option<String>,

    /// C64 only: a folder with your own C64 ROMs (basic, kernal, chargen), needed for BASIC.
    #[arg(long, env = "RETROMESH_C64_ROMS", value_name = "DIR")]
    pub rom_dir: Option<PathBuf>,

    /// Save the screen as a PNG when the run stops. A run that times out always saves one.
    #[arg(long, value_name = "OUT.png")]
    pub screen: Option<PathBuf>,

    /// Save the machine state as a .z80 snapshot when the run stops (to resume it later, or
    /// to make a snapshot-based test).
    #[arg(long, value_name = "OUT.z80")]
    pub save_snapshot: Option<PathBuf>,

    /// Read the printout with Tesseract OCR instead of exact glyph matching.
    #[arg(long, conflicts_with = "read")]
    pub ocr: bool,

    /// How to read the printout: exact, ocr, or exact+ocr (OCR only for unknown cells).
    #[arg(long, value_parser = ["exact", "ocr", "exact+ocr"])]
    pub read: Option<String>,

    /// Where a .bin goes in memory (decimal or 0x hex).
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    pub load_address: Option<u16>,

    /// Where a .bin starts running. [default: its load address]
    #[arg(long, value_parser = parse_address, value_name = "ADDR")]
    pub entry: Option<u16>,

    /// Keys to type when the program asks for INPUT, e.g. 'Ada{ENTER}'. Repeat for more.
    #[arg(long, value_name = "TEXT")]
    pub keys: Vec<String>,

    /// Stop once the printer has been idle this long after printing.
    #[arg(long, value_name = "MS")]
    pub idle_ms: Option<u64>,

    /// Stop as soon as this text has been printed.
    #[arg(long, value_name = "TEXT")]
    pub marker: Option<String>,

    /// Stop when the CPU reaches this address (decimal or 0x hex). Repeatable.
    #[arg(long = "break", value_parser = parse_address, value_name = "ADDR")]
    pub breakpoints: Vec<u16>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Spec files, or directories searched for *.toml specs. [default: .]
    pub paths: Vec<PathBuf>,

    /// Write a JUnit XML report here.
    #[arg(long, env = "RETROMESH_JUNIT", value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,

    /// Specs to run at once. [default: number of CPUs]
    #[arg(long, short, env = "RETROMESH_JOBS")]
    pub jobs: Option<usize>,

    /// Write each spec's golden PNG from this run instead of comparing against it.
    #[arg(long)]
    pub bless: bool,

    /// A folder with your own C64 ROMs (basic, kernal, chargen; VICE's file names work), for
    /// `machine = "c64"` specs that run BASIC. retromesh never ships or downloads them; without
    /// them such specs are skipped, saying so.
    #[arg(long, env = "RETROMESH_C64_ROMS", value_name = "DIR")]
    pub rom_dir: Option<PathBuf>,
}

/// Parses `32768` or `0x8000`.
pub fn parse_address(text: &str) -> Result<u16, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("{text:?} is not an address: use 0-65535 or 0x0000-0xFFFF"))
}
