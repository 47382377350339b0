//! Two terminators compared repetition by repetition. Both were measured in the same seconds
//! of each repetition, so their difference cancels most of the machine's slow spells; the
//! spread of the differences then says whether a gap is real or noise.

/// One terminator's added latency minus another's, over the repetitions both finished.
pub struct Paired {
    pub reps: usize,
    /// µs.
    pub median: f64,
    /// A distribution-free interval for the median difference (sign test), and how sure it is.
    pub lo: f64,
    pub hi: f64,
    pub confidence: f64,
    /// Repetitions where the first was at or below the second.
    pub at_or_below: usize,
}

/// What the differences settle about "the first is no worse than the second".
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The whole interval is at or below zero.
    Met,
    /// The whole interval is above zero.
    NotMet,
    /// The interval holds zero: level within the noise.
    Unsettled,
}

impl Paired {
    /// `a[i] − b[i]` for each repetition `i`; `None` when no repetition has both.
    pub fn new(a: &[f64], b: &[f64]) -> Option<Paired> {
        let mut diffs: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(x, y)| x - y)
            .filter(|d| !d.is_nan())
            .collect();
        if diffs.is_empty() {
            return None;
        }
        diffs.sort_by(|x, y| x.partial_cmp(y).expect("no NaN"));
        let n = diffs.len();
        let k = sign_test_rank(n);
        Some(Paired {
            reps: n,
            median: crate::median(diffs.clone()),
            lo: diffs[k - 1],
            hi: diffs[n - k],
            confidence: 1.0 - 2.0 * binomial_half_cdf(n, k - 1),
            at_or_below: diffs.iter().filter(|d| **d <= 0.0).count(),
        })
    }

    /// Settled only when the interval is at least 90% sure; with fewer than 5 repetitions
    /// it never is.
    pub fn verdict(&self) -> Verdict {
        if self.confidence < 0.9 {
            Verdict::Unsettled
        } else if self.hi <= 0.0 {
            Verdict::Met
        } else if self.lo > 0.0 {
            Verdict::NotMet
        } else {
            Verdict::Unsettled
        }
    }
}

/// The largest rank `k` whose order statistics `d(k)..d(n+1−k)` cover the median with at least
/// 95% confidence; 1 (the whole range) when `n` is too small for that.
fn sign_test_rank(n: usize) -> usize {
    let mut k = 1;
    while k < n.div_ceil(2) && 2.0 * binomial_half_cdf(n, k) <= 0.05 {
        k += 1;
    }
    k
}

/// P(X ≤ k) for X ~ Binomial(n, 1/2).
fn binomial_half_cdf(n: usize, k: usize) -> f64 {
    let mut term = 0.5f64.powi(n as i32);
    let mut sum = term;
    for i in 1..=k.min(n) {
        term *= (n + 1 - i) as f64 / i as f64;
        sum += term;
    }
    sum
}

/// Checked by `terminators --self-test`, which CI runs: the bench's verdicts rest on these.
pub fn self_test() -> Result<(), String> {
    let check = |what: &str, ok: bool| if ok { Ok(()) } else { Err(what.to_string()) };
    check(
        "P(X ≤ 0), n = 5",
        (binomial_half_cdf(5, 0) - 1.0 / 32.0).abs() < 1e-12,
    )?;
    check(
        "P(X ≤ 3), n = 15",
        (binomial_half_cdf(15, 3) - 576.0 / 32768.0).abs() < 1e-12,
    )?;
    check("rank, n = 5", sign_test_rank(5) == 1)?;
    check("rank, n = 6", sign_test_rank(6) == 1)?;
    check("rank, n = 15", sign_test_rank(15) == 4)?;
    check("rank, n = 1", sign_test_rank(1) == 1)?;

    let base = [300.0, 310.0, 290.0, 305.0, 295.0, 300.0, 320.0];
    let worse: Vec<f64> = base.iter().map(|x| x + 25.0).collect();
    let p = Paired::new(&worse, &base).ok_or("no pairs")?;
    check(
        "a constant gap is its median",
        p.median == 25.0 && p.lo == 25.0,
    )?;
    check(
        "a constant gap above zero is not met",
        p.verdict() == Verdict::NotMet,
    )?;
    let p = Paired::new(&base, &worse).ok_or("no pairs")?;
    check(
        "a constant gap below zero is met",
        p.verdict() == Verdict::Met,
    )?;
    check("at or below counts", p.at_or_below == base.len())?;

    let mixed = [-40.0, 10.0, -5.0, 30.0, -20.0, 15.0, 5.0];
    let zeros = [0.0; 7];
    let p = Paired::new(&mixed, &zeros).ok_or("no pairs")?;
    check(
        "differences of both signs are unsettled",
        p.verdict() == Verdict::Unsettled,
    )?;
    check("median of mixed", p.median == 5.0)?;

    let few = Paired::new(&[1.0, 2.0, 3.0], &[5.0, 6.0, 7.0]).ok_or("no pairs")?;
    check(
        "three repetitions settle nothing",
        few.verdict() == Verdict::Unsettled,
    )?;
    check(
        "NaN repetitions are left out",
        Paired::new(&[f64::NAN, 1.0], &[0.0, 0.0]).is_some_and(|p| p.reps == 1),
    )?;
    check(
        "no pairs, no comparison",
        Paired::new(&[], &[1.0]).is_none(),
    )?;
    Ok(())
}
