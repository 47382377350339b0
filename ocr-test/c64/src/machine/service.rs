//! Moving bytes between the C64's serial devices and their lines, and the millisecond
//! exchange with the peers.

use super::C64;
use crate::kernal::rs232::ST_OVERRUN;
use crate::kernal::var;
use crate::serial::SerialPort;
use crate::EXCHANGE_CYCLES;

const KERNAL: usize = SerialPort::Kernal as usize;
const UP9600: usize = SerialPort::Up9600 as usize;
const SWIFTLINK: usize = SerialPort::SwiftLink as usize;

impl C64 {
    /// Returns a peer's reason to stop.
    pub(super) fn service(&mut self, now: u64) -> Option<String> {
        self.service_kernal(now);
        self.service_up9600(now);
        self.service_swiftlink(now);
        if now < self.next_exchange {
            return None;
        }
        while self.next_exchange <= now {
            self.next_exchange += EXCHANGE_CYCLES;
        }
        if let Some(acia) = &self.cpu.memory.acia {
            self.lines[SWIFTLINK].cycles_per_byte = acia.cycles_per_byte();
        }
        let mut stop = None;
        for line in &mut self.lines {
            if let Some(reason) = line.exchange(now) {
                stop.get_or_insert(reason);
            }
        }
        stop
    }

    fn service_kernal(&mut self, now: u64) {
        let line = &mut self.lines[KERNAL];
        if self.kernal.rs232.clock(now, line) {
            let ram = &mut self.cpu.memory.ram;
            ram[usize::from(var::RSSTAT)] |= ST_OVERRUN;
        }
    }

    fn service_up9600(&mut self, now: u64) {
        let bus = &mut self.cpu.memory;
        let line = &mut self.lines[UP9600];
        // Real UP9600 wiring: CIA1's SDR sends (SP1, clocked by CIA1 timer A), CIA2's SDR
        // receives (SP2, clocked through PB7 → CNT2) and raises NMI. Byte level: the FLAG2 start
        // bit, timer B and PB7 are not modelled; a byte lands whole in $DD0C.
        if !bus.cia1.shifted_out.is_empty() {
            // The CIA shifts MSB first; RS-232 is LSB first.
            line.sent
                .extend(bus.cia1.shifted_out.drain(..).map(u8::reverse_bits));
        }
        if let Some(b) = line.receive(now) {
            bus.cia2.receive_serial(b.reverse_bits());
        }
    }

    fn service_swiftlink(&mut self, now: u64) {
        let Some(acia) = self.cpu.memory.acia.as_mut() else {
            return;
        };
        let line = &mut self.lines[SWIFTLINK];
        acia.clock(now);
        line.sent.append(&mut acia.sent);
        if acia.receiver_ready() {
            if let Some(b) = line.receive(now) {
                acia.receive(b);
            }
        }
    }
}
