//! Message bodies the client tests send and expect.

/// Bytes SLIP must escape, 0x00, and the rest.
pub fn awkward_bytes(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| match i % 8 {
            0 => 0xC0,
            1 => 0xDB,
            2 => 0x00,
            3 => 0xDC,
            4 => 0xDD,
            _ => (i * 37) as u8,
        })
        .collect()
}

/// Text lines of 39 letters and a CR.
pub fn text_body(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| {
            if i % 40 == 39 {
                b'\r'
            } else {
                b'A' + (i % 26) as u8
            }
        })
        .collect()
}
