//! The real adapter logic on the user port: `retromesh-adapter`'s `ParallelLink` on its
//! virtual pins (`UserPortWiring`, DIR following PA2 as on the board), polled once per C64
//! instruction, its host side exchanged with a `SerialPeer` (the bridge) every emulated ms.

use retromesh_adapter::parallel::{ParallelConfig, ParallelLink, ParallelStats};
use retromesh_adapter::sim::{UserPortWiring, VirtualBus, VirtualPin};
use retromesh_adapter::NoPin;

use retromesh_c64::{
    SerialPeer, UserPortDevice, UserPortIn, UserPortOut, EXCHANGE_CYCLES, PAL_CLOCK_HZ,
};

pub struct AdapterLink {
    wiring: UserPortWiring,
    link: ParallelLink<VirtualBus, VirtualPin, VirtualPin, VirtualPin, NoPin>,
    host: Box<dyn SerialPeer>,
    next_exchange: u64,
}

impl AdapterLink {
    pub fn new(host: Box<dyn SerialPeer>) -> Self {
        let wiring = UserPortWiring::with_dir_on_pa2();
        let link = ParallelLink::new(
            wiring.bus.clone(),
            wiring.pc2.clone(),
            wiring.pa2.clone(),
            wiring.flag2.clone(),
            NoPin,
            ParallelConfig::default(),
        )
        .expect("virtual pins do not fail");
        AdapterLink {
            wiring,
            link,
            host,
            next_exchange: 0,
        }
    }

    pub fn stats(&self) -> ParallelStats {
        *self.link.stats()
    }

    /// Times the adapter drove the bus while the C64 did: a turnaround bug.
    pub fn contentions(&self) -> u32 {
        self.wiring.bus.contentions()
    }
}

impl UserPortDevice for AdapterLink {
    fn step(&mut self, now: u64, out: &UserPortOut) -> UserPortIn {
        let now_us = now * 1_000_000 / PAL_CLOCK_HZ;
        if now >= self.next_exchange {
            self.next_exchange = now + EXCHANGE_CYCLES;
            let mut from_micro = Vec::new();
            while let Some(b) = self.link.to_host().pop() {
                from_micro.push(b);
            }
            let mut to_micro = Vec::new();
            self.host.exchange(&from_micro, &mut to_micro, now);
            let taken = self.link.to_micro().push_some(&to_micro);
            assert_eq!(
                taken,
                to_micro.len(),
                "adapter queue full: the test bridge sent too much"
            );
        }
        self.wiring
            .from_c64(out.pb, out.pb_ddr, out.pa2, out.pc2_low);
        self.link.poll(now_us).expect("virtual pins do not fail");
        let (pb, flag2_low) = self.wiring.to_c64();
        UserPortIn { pb, flag2_low }
    }
}
