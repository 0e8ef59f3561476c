//! Medians with ranges over runs, and latency percentiles.

use std::time::Duration;

use serde::Serialize;

/// One figure measured over several runs.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Figure {
    pub fn of(samples: &[f64]) -> Figure {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return Figure {
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
                runs: 0,
            };
        }
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Figure {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            runs: sorted.len(),
        }
    }

    pub fn single(value: f64) -> Figure {
        Figure::of(&[value])
    }
}

/// Latency percentiles of one run, in microseconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Percentiles {
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub samples: usize,
}

impl Percentiles {
    /// Nearest-rank percentiles; sorts `samples` in place.
    pub fn of(samples: &mut [Duration]) -> Percentiles {
        samples.sort_unstable();
        let rank = |q: f64| -> f64 {
            if samples.is_empty() {
                return f64::NAN;
            }
            let index = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index].as_secs_f64() * 1e6
        };
        Percentiles {
            p50_us: rank(0.50),
            p99_us: rank(0.99),
            max_us: rank(1.0),
            samples: samples.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_range_of_odd_and_even_runs() {
        let odd = Figure::of(&[3.0, 1.0, 2.0]);
        assert_eq!((odd.median, odd.min, odd.max, odd.runs), (2.0, 1.0, 3.0, 3));
        let even = Figure::of(&[4.0, 1.0, 2.0, 3.0]);
        assert_eq!(even.median, 2.5);
        assert_eq!(Figure::of(&[]).runs, 0);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        let p = Percentiles::of(&mut samples);
        assert_eq!((p.p50_us, p.p99_us, p.max_us), (50.0, 99.0, 100.0));
    }
}
