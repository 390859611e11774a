//! Gathering rows across repeats and folding them into medians and ratios.

use std::collections::BTreeMap;

use super::{Row, Scenario};
use crate::stats::median;

/// One row measured once.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Scenario id.
    pub scenario: &'static str,
    /// Row key, unique in the run.
    pub key: String,
    /// Description.
    pub label: String,
    /// Key of the baseline row.
    pub baseline: Option<String>,
    /// Metric compared with the baseline.
    pub ratio_metric: &'static str,
    /// Metrics of this repeat.
    pub metrics: BTreeMap<String, f64>,
}

impl Measured {
    /// A row with no metrics yet.
    pub fn new(scenario: &'static str, key: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            scenario,
            key: key.into(),
            label: label.into(),
            baseline: None,
            ratio_metric: super::THROUGHPUT,
            metrics: BTreeMap::new(),
        }
    }

    /// Compares this row's `metric` with the same metric of row `key`.
    pub fn against(mut self, key: impl Into<String>, metric: &'static str) -> Self {
        self.baseline = Some(key.into());
        self.ratio_metric = metric;
        self
    }

    /// Sets one metric.
    pub fn with(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.insert(name.into(), value);
        self
    }
}

/// Every row of every repeat, in the order first measured.
#[derive(Debug, Default)]
pub struct Collector {
    rows: Vec<(Measured, Vec<BTreeMap<String, f64>>)>,
}

impl Collector {
    /// Adds one repeat of a row.
    pub fn push(&mut self, measured: Measured) {
        tracing::info!(row = %measured.key, metrics = ?measured.metrics, "measured");
        match self.rows.iter_mut().find(|(m, _)| m.key == measured.key) {
            Some((_, runs)) => runs.push(measured.metrics),
            None => {
                let runs = vec![measured.metrics.clone()];
                self.rows.push((measured, runs));
            }
        }
    }

    /// Adds every row of one scenario repeat.
    pub fn extend(&mut self, rows: Vec<Measured>) {
        for row in rows {
            self.push(row);
        }
    }

    /// Folds the repeats: medians per metric and per-repeat ratios to the baseline.
    pub fn scenarios(&self) -> Vec<Scenario> {
        let mut scenarios: Vec<Scenario> = Vec::new();
        for (measured, runs) in &self.rows {
            let row = Row {
                key: measured.key.clone(),
                label: measured.label.clone(),
                baseline: measured.baseline.clone(),
                ratio_metric: measured.ratio_metric.to_owned(),
                ratio: self.ratio(measured, runs),
                median: medians(runs),
                runs: runs.clone(),
            };
            match scenarios.iter_mut().find(|s| s.id == measured.scenario) {
                Some(s) => s.rows.push(row),
                None => scenarios.push(Scenario {
                    id: measured.scenario.to_owned(),
                    rows: vec![row],
                }),
            }
        }
        scenarios
    }

    fn ratio(&self, measured: &Measured, runs: &[BTreeMap<String, f64>]) -> Option<f64> {
        let key = measured.baseline.as_ref()?;
        let (_, base_runs) = self.rows.iter().find(|(m, _)| &m.key == key)?;
        let metric = measured.ratio_metric;
        let ratios: Vec<f64> = runs
            .iter()
            .zip(base_runs)
            .filter_map(|(run, base)| {
                let (a, b) = (run.get(metric)?, base.get(metric)?);
                (*b > 0.0).then(|| a / b)
            })
            .collect();
        (!ratios.is_empty()).then(|| median(&ratios))
    }
}

fn medians(runs: &[BTreeMap<String, f64>]) -> BTreeMap<String, f64> {
    let mut names: Vec<&String> = runs.iter().flat_map(|r| r.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let values: Vec<f64> = runs.iter().filter_map(|r| r.get(name).copied()).collect();
            (name.clone(), median(&values))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::THROUGHPUT;

    #[test]
    fn ratios_pair_repeats_and_take_the_median() {
        let mut c = Collector::default();
        for (base, row) in [(100.0, 50.0), (200.0, 180.0), (100.0, 70.0)] {
            c.push(Measured::new("s", "base", "b").with(THROUGHPUT, base));
            c.push(
                Measured::new("s", "row", "r")
                    .against("base", THROUGHPUT)
                    .with(THROUGHPUT, row),
            );
        }
        let scenarios = c.scenarios();
        let row = &scenarios[0].rows[1];
        assert_eq!(row.runs.len(), 3);
        assert_eq!(row.get(THROUGHPUT), 70.0);
        assert_eq!(row.ratio, Some(0.7), "ratios 0.5, 0.9, 0.7");
        assert_eq!(scenarios[0].rows[0].ratio, None);
    }
}
