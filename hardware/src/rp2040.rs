//! Facts about the RP2040 on a Raspberry Pi Pico that the checks need.

/// GPIOs the Pico brings out to its header. GP23 (regulator mode), GP24 (VBUS sense),
/// GP25 (LED) and GP29 (VSYS/3) are used on the board itself.
pub fn on_pico_header(gpio: u8) -> bool {
    gpio <= 22 || (26..=28).contains(&gpio)
}

/// The Pico header pin (1-40) carrying a GPIO.
pub fn pico_pin(gpio: u8) -> Option<u8> {
    const PINS: [(u8, u8); 26] = [
        (0, 1),
        (1, 2),
        (2, 4),
        (3, 5),
        (4, 6),
        (5, 7),
        (6, 9),
        (7, 10),
        (8, 11),
        (9, 12),
        (10, 14),
        (11, 15),
        (12, 16),
        (13, 17),
        (14, 19),
        (15, 20),
        (16, 21),
        (17, 22),
        (18, 24),
        (19, 25),
        (20, 26),
        (21, 27),
        (22, 29),
        (26, 31),
        (27, 32),
        (28, 34),
    ];
    PINS.iter().find(|(g, _)| *g == gpio).map(|(_, p)| *p)
}

/// Pico header pins for ground and the 3.3 V output.
pub const PICO_GND_PIN: u8 = 3;
pub const PICO_3V3_PIN: u8 = 36;

/// A peripheral function the pin map may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UartFunction {
    pub uart: u8,
    pub role: UartRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UartRole {
    Tx,
    Rx,
    Cts,
    Rts,
}

impl UartRole {
    /// Whether the RP2040 drives the pin in this role.
    pub fn is_output(self) -> bool {
        matches!(self, UartRole::Tx | UartRole::Rts)
    }
}

/// Parses "uart0-tx" and friends.
pub fn parse_function(text: &str) -> Option<UartFunction> {
    let (uart, role) = text.split_once('-')?;
    let uart = match uart {
        "uart0" => 0,
        "uart1" => 1,
        _ => return None,
    };
    let role = match role {
        "tx" => UartRole::Tx,
        "rx" => UartRole::Rx,
        "cts" => UartRole::Cts,
        "rts" => UartRole::Rts,
        _ => return None,
    };
    Some(UartFunction { uart, role })
}

/// The UART function GPIO `n` has in the RP2040 function table (F2): blocks of four pins
/// TX, RX, CTS, RTS, alternating UART0 (GP0-3, 12-19, 28-29) and UART1 (GP4-11, 20-27).
pub fn uart_function_of(gpio: u8) -> Option<UartFunction> {
    if gpio > 29 {
        return None;
    }
    let uart = (((gpio as u16 + 4) / 8) % 2) as u8;
    let role = match gpio % 4 {
        0 => UartRole::Tx,
        1 => UartRole::Rx,
        2 => UartRole::Cts,
        _ => UartRole::Rts,
    };
    Some(UartFunction { uart, role })
}

/// Header GPIOs that can carry a function, for the fix in a message.
pub fn gpios_with(function: UartFunction) -> Vec<u8> {
    (0..=29)
        .filter(|g| on_pico_header(*g) && uart_function_of(*g) == Some(function))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uart_table_matches_the_datasheet_rows() {
        let f = |s| parse_function(s).unwrap();
        assert_eq!(gpios_with(f("uart0-tx")), vec![0, 12, 16, 28]);
        assert_eq!(gpios_with(f("uart0-rx")), vec![1, 13, 17]);
        assert_eq!(gpios_with(f("uart1-tx")), vec![4, 8, 20]);
        assert_eq!(gpios_with(f("uart1-rts")), vec![7, 11, 27]);
        assert_eq!(gpios_with(f("uart0-cts")), vec![2, 14, 18]);
    }

    #[test]
    fn header_has_26_gpios() {
        assert_eq!((0..30).filter(|g| on_pico_header(*g)).count(), 26);
        assert!((0..30)
            .filter(|g| on_pico_header(*g))
            .all(|g| pico_pin(g).is_some()));
    }
}
