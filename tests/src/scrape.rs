//! Reading a service's `/metrics` page (Prometheus text format).

use std::collections::HashMap;

/// Every series on `{metrics_url}/metrics`, keyed by `name{labels}`.
pub async fn metrics(metrics_url: &str) -> anyhow::Result<HashMap<String, f64>> {
    let page = crate::http_client()?
        .get(format!("{metrics_url}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(parse(&page))
}

/// The value of the unlabelled series `name` on `{metrics_url}/metrics`, if present.
pub async fn metric_value(metrics_url: &str, name: &str) -> anyhow::Result<Option<f64>> {
    Ok(metrics(metrics_url).await?.get(name).copied())
}

/// The series of a metrics page, keyed by `name{labels}`.
pub fn parse(page: &str) -> HashMap<String, f64> {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_each_series_by_name_and_labels() {
        let page = "# HELP jetcrawl_x X\n# TYPE jetcrawl_x gauge\njetcrawl_x 1\n\
                    jetcrawl_x_total{a=\"b\"} 3\njetcrawl_y 1.5e9\n";
        let series = parse(page);
        assert_eq!(series.get("jetcrawl_x"), Some(&1.0));
        assert_eq!(series.get("jetcrawl_y"), Some(&1.5e9));
        assert_eq!(series.get("jetcrawl_x_total"), None);
        assert_eq!(series.get("jetcrawl_x_total{a=\"b\"}"), Some(&3.0));
        assert_eq!(series.get("jetcrawl_z"), None);
    }
}
