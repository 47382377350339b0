//! A data bus that logs what the driver does with it, for the mock tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::rc::Rc;

use retromesh_adapter::{Bus, BusRead};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusOp {
    Read(u8),
    Write(u8),
    Drive,
    Release,
}

/// Reads come from a script (0xFF when it runs out); every call is logged.
#[derive(Debug, Clone, Default)]
pub struct LogBus {
    pub reads: Rc<RefCell<VecDeque<u8>>>,
    pub log: Rc<RefCell<Vec<BusOp>>>,
}

impl LogBus {
    pub fn with_reads(reads: &[u8]) -> Self {
        let bus = LogBus::default();
        bus.reads.borrow_mut().extend(reads);
        bus
    }

    pub fn ops(&self) -> Vec<BusOp> {
        self.log.borrow().clone()
    }
}

impl BusRead for LogBus {
    type Error = Infallible;
    fn read(&mut self) -> Result<u8, Infallible> {
        let v = self.reads.borrow_mut().pop_front().unwrap_or(0xFF);
        self.log.borrow_mut().push(BusOp::Read(v));
        Ok(v)
    }
}

impl Bus for LogBus {
    fn write(&mut self, value: u8) -> Result<(), Infallible> {
        self.log.borrow_mut().push(BusOp::Write(value));
        Ok(())
    }
    fn drive(&mut self) -> Result<(), Infallible> {
        self.log.borrow_mut().push(BusOp::Drive);
        Ok(())
    }
    fn release(&mut self) -> Result<(), Infallible> {
        self.log.borrow_mut().push(BusOp::Release);
        Ok(())
    }
}
