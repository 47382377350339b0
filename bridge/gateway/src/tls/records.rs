//! TLS 1.3 records after the handshake, sealed and opened here rather than inside rustls.
//!
//! rustls' connection object keeps its handshake state (deframer, joiner, transcript
//! leftovers) for a connection's whole life: about 1.7 KB that a waiting connection never uses.
//! Once a TLS 1.3 handshake is done rustls hands over the traffic keys through the interface
//! it offers for kernel TLS, keeping only its key schedule for key updates, and the connection
//! object is dropped. The sealing and opening themselves are still the crypto provider's, through
//! the negotiated suite's AEAD; what is here is framing (RFC 8446 §5) and the post-handshake
//! messages a server can receive (§4.6.3).

use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, Iv, MessageDecrypter, MessageEncrypter, OutboundChunks,
    OutboundPlainMessage, Tls13AeadAlgorithm,
};
use rustls::kernel::KernelConnection;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::{
    AlertDescription, ConnectionTrafficSecrets, ContentType, Error, HandshakeType, InvalidMessage,
    PeerMisbehaved, ProtocolVersion, SupportedCipherSuite,
};

/// Type, legacy version and length.
const HEADER: usize = 5;
/// RFC 8446 §5.2: a record's ciphertext is at most 2^14 + 256 bytes.
const MAX_CIPHERTEXT: usize = (1 << 14) + 256;
/// RFC 8446 §5.1: a record carries at most 2^14 bytes of plaintext.
pub(super) const MAX_PLAINTEXT: usize = 1 << 14;
/// Key updates the peer may ask for without sending data in between; each one makes us send a
/// record, so an unbounded run would be free work for a hostile client (rustls allows 32 too).
const KEY_UPDATES_WITHOUT_DATA: u8 = 32;
const KEY_UPDATE_NOT_REQUESTED: u8 = 0;
const KEY_UPDATE_REQUESTED: u8 = 1;

/// Why the records could not be read or written, and the alert the peer is owed (none when
/// the peer's own alert ended the connection).
#[derive(Debug)]
pub(super) struct Fault {
    pub(super) alert: Option<AlertDescription>,
    pub(super) error: Error,
}

impl Fault {
    fn new(alert: AlertDescription, error: Error) -> Fault {
        Fault {
            alert: Some(alert),
            error,
        }
    }

    /// An error from the crypto provider or rustls' key schedule, with the alert RFC 8446
    /// §6.2 gives it.
    fn from_rustls(error: Error) -> Fault {
        let alert = match &error {
            Error::DecryptError => AlertDescription::BadRecordMac,
            Error::PeerSentOversizedRecord => AlertDescription::RecordOverflow,
            Error::InvalidMessage(m) => AlertDescription::from(*m),
            Error::PeerMisbehaved(_) => AlertDescription::UnexpectedMessage,
            _ => AlertDescription::InternalError,
        };
        Fault::new(alert, error)
    }

    fn unexpected(got: ContentType) -> Fault {
        Fault::new(
            AlertDescription::UnexpectedMessage,
            Error::InappropriateMessage {
                expect_types: vec![ContentType::ApplicationData],
                got_type: got,
            },
        )
    }
}

/// A TLS 1.3 server connection's record layer once the handshake is over.
pub(super) struct Tls13Records {
    aead: &'static dyn Tls13AeadAlgorithm,
    /// Records one key may seal before it is replaced (the suite's confidentiality limit).
    limit: u64,
    seal: Box<dyn MessageEncrypter>,
    /// Records sealed under the current key: the next record's sequence number.
    sealed: u64,
    open: Box<dyn MessageDecrypter>,
    opened: u64,
    /// Key updates received since the last application data.
    key_updates: u8,
    /// rustls' key schedule, which derives the next traffic keys.
    schedule: KernelConnection<ServerConnectionData>,
}

impl Tls13Records {
    /// Takes over from a connection whose TLS 1.3 handshake is done and which has nothing
    /// queued to send. Its config must have `enable_secret_extraction` set.
    pub(super) fn after_handshake(conn: UnbufferedServerConnection) -> Result<Self, Error> {
        let (secrets, schedule) = conn.dangerous_into_kernel_connection()?;
        let SupportedCipherSuite::Tls13(suite) = schedule.negotiated_cipher_suite() else {
            return Err(Error::General("not a TLS 1.3 connection".into()));
        };
        let aead = suite.aead_alg;
        let (sealed, tx) = secrets.tx;
        let (opened, rx) = secrets.rx;
        let (key, iv) = key_and_iv(tx)?;
        let seal = aead.encrypter(key, iv);
        let (key, iv) = key_and_iv(rx)?;
        let open = aead.decrypter(key, iv);
        Ok(Tls13Records {
            aead,
            limit: suite.common.confidentiality_limit,
            seal,
            sealed,
            open,
            opened,
            key_updates: 0,
            schedule,
        })
    }

    /// Opens every whole record at the front of `incoming`, appending application data to
    /// `plaintext` and any reply owed (a key update) to `outgoing`. What is left of `incoming`
    /// is a partial record. Returns true once the peer has sent close_notify; anything after it
    /// is dropped, as RFC 8446 §6.1 says.
    pub(super) fn open_all(
        &mut self,
        incoming: &mut Vec<u8>,
        plaintext: &mut Vec<u8>,
        outgoing: &mut Vec<u8>,
    ) -> Result<bool, Fault> {
        let mut at = 0;
        let result = loop {
            let rest = &mut incoming[at..];
            if rest.len() < HEADER {
                break Ok(false);
            }
            let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            if len > MAX_CIPHERTEXT {
                break Err(Fault::from_rustls(Error::PeerSentOversizedRecord));
            }
            if rest.len() < HEADER + len {
                break Ok(false);
            }
            at += HEADER + len;
            let typ = ContentType::from(rest[0]);
            // After the handshake every TLS 1.3 record is protected application data.
            if typ != ContentType::ApplicationData {
                break Err(Fault::unexpected(typ));
            }
            let version = ProtocolVersion::from(u16::from_be_bytes([rest[1], rest[2]]));
            let body = &mut rest[HEADER..HEADER + len];
            match self.open_record(version, body, plaintext, outgoing) {
                Ok(false) => {}
                Ok(true) => {
                    at = incoming.len();
                    break Ok(true);
                }
                Err(fault) => break Err(fault),
            }
        };
        incoming.drain(..at);
        result
    }

    fn open_record(
        &mut self,
        version: ProtocolVersion,
        body: &mut [u8],
        plaintext: &mut Vec<u8>,
        outgoing: &mut Vec<u8>,
    ) -> Result<bool, Fault> {
        let record = InboundOpaqueMessage::new(ContentType::ApplicationData, version, body);
        let message = self
            .open
            .decrypt(record, self.opened)
            .map_err(Fault::from_rustls)?;
        self.opened += 1;
        match message.typ {
            ContentType::ApplicationData => {
                self.key_updates = 0;
                plaintext.extend_from_slice(message.payload);
                Ok(false)
            }
            ContentType::Alert => alert_received(message.payload),
            ContentType::Handshake => {
                self.post_handshake(message.payload, outgoing)?;
                Ok(false)
            }
            other => Err(Fault::unexpected(other)),
        }
    }

    /// A server receives only KeyUpdate after the handshake: no post-handshake authentication
    /// is ever requested, and tickets flow the other way.
    fn post_handshake(&mut self, mut messages: &[u8], outgoing: &mut Vec<u8>) -> Result<(), Fault> {
        while !messages.is_empty() {
            let &[typ, a, b, c, ref rest @ ..] = messages else {
                return Err(split_message());
            };
            let len = u32::from_be_bytes([0, a, b, c]) as usize;
            if rest.len() < len {
                return Err(split_message());
            }
            let (body, after) = rest.split_at(len);
            messages = after;
            match HandshakeType::from(typ) {
                HandshakeType::KeyUpdate => {
                    let requested = match body {
                        [KEY_UPDATE_NOT_REQUESTED] => false,
                        [KEY_UPDATE_REQUESTED] => true,
                        _ => {
                            return Err(Fault::new(
                                AlertDescription::DecodeError,
                                Error::InvalidMessage(InvalidMessage::InvalidKeyUpdate),
                            ))
                        }
                    };
                    // RFC 8446 §5.1: nothing may follow a key change in the same record.
                    if !messages.is_empty() {
                        return Err(Fault::from_rustls(Error::PeerMisbehaved(
                            PeerMisbehaved::KeyEpochWithPendingFragment,
                        )));
                    }
                    self.key_updates += 1;
                    if self.key_updates > KEY_UPDATES_WITHOUT_DATA {
                        return Err(Fault::from_rustls(Error::PeerMisbehaved(
                            PeerMisbehaved::TooManyKeyUpdateRequests,
                        )));
                    }
                    let (seq, key, iv) = next_key(self.schedule.update_rx_secret())?;
                    self.open = self.aead.decrypter(key, iv);
                    self.opened = seq;
                    if requested {
                        self.update_seal_key(outgoing)?;
                    }
                }
                other => {
                    return Err(Fault::new(
                        AlertDescription::UnexpectedMessage,
                        Error::InappropriateHandshakeMessage {
                            expect_types: vec![HandshakeType::KeyUpdate],
                            got_type: other,
                        },
                    ))
                }
            }
        }
        Ok(())
    }

    /// Seals `data` (at most [`MAX_PLAINTEXT`] bytes) as one application-data record.
    pub(super) fn seal_data(&mut self, data: &[u8], outgoing: &mut Vec<u8>) -> Result<(), Fault> {
        // The key update itself takes a record under the old key, so it goes one early.
        if self.sealed + 1 >= self.limit {
            self.update_seal_key(outgoing)?;
        }
        self.seal_record(ContentType::ApplicationData, data, outgoing)
    }

    pub(super) fn seal_close_notify(&mut self, outgoing: &mut Vec<u8>) -> Result<(), Fault> {
        self.seal_record(
            ContentType::Alert,
            &[1, AlertDescription::CloseNotify.into()],
            outgoing,
        )
    }

    /// The alert owed for `fault`, if any; a failure to seal it is not worth reporting over
    /// the fault itself.
    pub(super) fn seal_alert_for(&mut self, fault: &Fault, outgoing: &mut Vec<u8>) {
        if let Some(alert) = fault.alert {
            let _ = self.seal_record(ContentType::Alert, &[2, alert.into()], outgoing);
        }
    }

    /// Tells the peer, under the old key, that what follows uses the next one.
    fn update_seal_key(&mut self, outgoing: &mut Vec<u8>) -> Result<(), Fault> {
        let key_update = [
            HandshakeType::KeyUpdate.into(),
            0,
            0,
            1,
            KEY_UPDATE_NOT_REQUESTED,
        ];
        self.seal_record(ContentType::Handshake, &key_update, outgoing)?;
        let (seq, key, iv) = next_key(self.schedule.update_tx_secret())?;
        self.seal = self.aead.encrypter(key, iv);
        self.sealed = seq;
        Ok(())
    }

    fn seal_record(
        &mut self,
        typ: ContentType,
        data: &[u8],
        outgoing: &mut Vec<u8>,
    ) -> Result<(), Fault> {
        let message = OutboundPlainMessage {
            typ,
            version: ProtocolVersion::TLSv1_3,
            payload: OutboundChunks::Single(data),
        };
        let record = self
            .seal
            .encrypt(message, self.sealed)
            .map_err(Fault::from_rustls)?
            .encode();
        self.sealed += 1;
        if outgoing.is_empty() {
            *outgoing = record;
        } else {
            outgoing.extend_from_slice(&record);
        }
        Ok(())
    }

    #[cfg(test)]
    pub(super) fn set_limit(&mut self, records: u64) {
        self.limit = records;
    }

    #[cfg(test)]
    pub(super) fn sealed_under_this_key(&self) -> u64 {
        self.sealed
    }
}

/// What rustls' key schedule gives for a key update: the first sequence number, key and IV.
fn next_key(
    update: Result<(u64, ConnectionTrafficSecrets), Error>,
) -> Result<(u64, AeadKey, Iv), Fault> {
    let (seq, secrets) = update.map_err(Fault::from_rustls)?;
    let (key, iv) = key_and_iv(secrets).map_err(Fault::from_rustls)?;
    Ok((seq, key, iv))
}

fn key_and_iv(secrets: ConnectionTrafficSecrets) -> Result<(AeadKey, Iv), Error> {
    match secrets {
        ConnectionTrafficSecrets::Aes128Gcm { key, iv }
        | ConnectionTrafficSecrets::Aes256Gcm { key, iv }
        | ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => Ok((key, iv)),
        _ => Err(Error::General("traffic keys for an unknown AEAD".into())),
    }
}

/// close_notify ends the peer's data; user_canceled comes before one and is ignored; every
/// other alert is fatal in TLS 1.3 (RFC 8446 §6).
fn alert_received(payload: &[u8]) -> Result<bool, Fault> {
    let &[_level, description] = payload else {
        return Err(Fault::new(
            AlertDescription::DecodeError,
            Error::InvalidMessage(InvalidMessage::MessageTooShort),
        ));
    };
    match AlertDescription::from(description) {
        AlertDescription::CloseNotify => Ok(true),
        AlertDescription::UserCanceled => Ok(false),
        other => Err(Fault {
            alert: None,
            error: Error::AlertReceived(other),
        }),
    }
}

fn split_message() -> Fault {
    Fault::new(
        AlertDescription::UnexpectedMessage,
        Error::General(
            "a post-handshake message split across records (no known client sends one)".into(),
        ),
    )
}
