//! Everything the check can find wrong, each message naming the problem and the fix.

/// One problem in the pin map. `Display` says what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("pin map schema {found} is not supported (this tool reads schema 1); set `schema = 1` and follow the layout in pinmap.toml")]
    Schema { found: u32 },
    #[error("{what} id '{id}' is defined twice; give each {what} a unique id")]
    DuplicateId { what: &'static str, id: String },
    #[error("part '{part}' needs '{needs}', which is not a [[part]]; add a [[part]] with id = \"{needs}\" or fix the name")]
    UnknownNeed { part: String, needs: String },
    #[error("variant '{variant}': connector '{connector}' is not a [[connector]] (known: {known}); add it or fix `connector`")]
    UnknownConnector {
        variant: String,
        connector: String,
        known: String,
    },
    #[error("variant '{variant}': '{pin}' is not a pin of connector '{connector}' (pins: {known}); fix the wire's `pin`")]
    UnknownPin {
        variant: String,
        connector: String,
        pin: String,
        known: String,
    },
    #[error("variant '{variant}': pin {pin} ({signal}) of '{connector}' has no wire; add one (micro = \"unused\", adapter = \"none\", gpio = \"none\" when it is not used)")]
    PinNotWired {
        variant: String,
        connector: String,
        pin: String,
        signal: String,
    },
    #[error("variant '{variant}': pin {pin} has {count} wires; keep one wire per pin (join pins by giving them the same `signal`)")]
    PinWiredTwice {
        variant: String,
        pin: String,
        count: usize,
    },
    #[error("variant '{variant}': {reference} is part '{part}', which is not a [[part]]; add it to the catalogue or fix the part id")]
    UnknownPart {
        variant: String,
        reference: String,
        part: String,
    },
    #[error("board '{board}': {reference} is '{first}' in variant '{first_variant}' but '{second}' in '{second_variant}'; variants on one board share parts, so use another reference for a different part")]
    RefConflict {
        board: String,
        reference: String,
        first: String,
        first_variant: String,
        second: String,
        second_variant: String,
    },
    #[error("variant '{variant}': {signal} goes via '{via}', which is not REF:CHANNEL or \"none\"; write e.g. via = \"U1:T1\"")]
    BadVia {
        variant: String,
        signal: String,
        via: String,
    },
    #[error("variant '{variant}': {signal} goes via {reference}, which is not in the variant's parts; add {{ ref = \"{reference}\", part = ... }} to `parts` or fix the reference")]
    UnknownPartRef {
        variant: String,
        signal: String,
        reference: String,
    },
    #[error("variant '{variant}': {signal} goes via {reference} ({part}), which is not a level shifter (it has no channels); use a MAX3232, 74LVC245 or 74LVC07 channel")]
    NotAShifter {
        variant: String,
        signal: String,
        reference: String,
        part: String,
    },
    #[error("variant '{variant}': {signal} uses channel '{channel}' of {reference} ({part}), which has channels {known}; pick one of those")]
    UnknownChannel {
        variant: String,
        signal: String,
        reference: String,
        part: String,
        channel: String,
        known: String,
    },
    #[error("variant '{variant}': {reference} ({part}) is a bus transceiver with {problem}; set dir = \"a-to-b\", \"b-to-a\" or \"follows:PIN\" (a pin of the connector)")]
    BadDirSetting {
        variant: String,
        reference: String,
        part: String,
        problem: String,
    },
    #[error("variant '{variant}': {signal} has gpio = \"{gpio}\", which is not GPn, usb-serial:TXD|RXD|CTS|RTS, gnd, pullup-3v3, jumper or none; fix the `gpio` field")]
    BadEndpoint {
        variant: String,
        signal: String,
        gpio: String,
    },
    #[error("variant '{variant}': {signal} uses GP{gpio}, which the Pico does not bring out (usable: GP0-GP22, GP26-GP28; GP23-25 and GP29 run the regulator, VBUS sense, LED and VSYS sense); pick a free GPIO")]
    GpioNotOnPico {
        variant: String,
        signal: String,
        gpio: u8,
    },
    #[error("variant '{variant}': {endpoint} is used by both '{first}' and '{second}'; give one of them a free GPIO (pins meant to be one net must share a `signal` name)")]
    DuplicateGpio {
        variant: String,
        endpoint: String,
        first: String,
        second: String,
    },
    #[error("variant '{variant}': net '{signal}' is split: {detail}; wires with the same signal are one net and must share `via`, `gpio` and `function`")]
    SplitNet {
        variant: String,
        signal: String,
        detail: String,
    },
    #[error("variant '{variant}': {signal} (pin {pin}) is a {voltage} line wired to {endpoint} with no level shifter; {fix}")]
    NoLevelShifter {
        variant: String,
        signal: String,
        pin: String,
        voltage: &'static str,
        endpoint: String,
        fix: &'static str,
    },
    #[error("variant '{variant}': {signal} (pin {pin}) is a {voltage} line but goes via {reference} ({part}); {fix}")]
    WrongShifter {
        variant: String,
        signal: String,
        pin: String,
        voltage: &'static str,
        reference: String,
        part: String,
        fix: &'static str,
    },
    #[error("variant '{variant}': channel {reference}:{channel} carries both '{first}' and '{second}'; give one of them a free channel")]
    ChannelReused {
        variant: String,
        reference: String,
        channel: String,
        first: String,
        second: String,
    },
    #[error("variant '{variant}': {signal} (pin {pin}): {detail}; {fix}")]
    DirectionMismatch {
        variant: String,
        signal: String,
        pin: String,
        detail: String,
        fix: String,
    },
    #[error("variant '{variant}': {signal} asks for function '{function}' on GP{gpio}, {detail}")]
    FunctionMismatch {
        variant: String,
        signal: String,
        function: String,
        gpio: u8,
        detail: String,
    },
    #[error("variant '{variant}': pin {pin} ({signal}) is a supply of the micro and is wired to {endpoint}; never back-feed: set gpio = \"none\" and leave it open (see [power] in pinmap.toml)")]
    PowerPinWired {
        variant: String,
        pin: String,
        signal: String,
        endpoint: String,
    },
    #[error("variant '{variant}': ground pin {pin} is not tied to the adapter's ground; set gpio = \"gnd\" so the levels share a reference")]
    GroundNotTied { variant: String, pin: String },
    #[error("variant '{variant}': jumper net '{signal}' {detail}; a jumper joins at least two pins, one the micro drives and one it reads")]
    JumperIncomplete {
        variant: String,
        signal: String,
        detail: String,
    },
    #[error("variant '{variant}': {detail}, but no part of kind '{kind}' is in `parts`; add one (e.g. {example})")]
    MissingPart {
        variant: String,
        detail: String,
        kind: &'static str,
        example: &'static str,
    },
}
