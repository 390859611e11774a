//! Reading one value off a service's `/metrics` page (Prometheus text format).

/// The value of the unlabelled series `name` on `{metrics_url}/metrics`, if present.
pub async fn metric_value(metrics_url: &str, name: &str) -> anyhow::Result<Option<f64>> {
    let page = crate::http_client()?
        .get(format!("{metrics_url}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(value_in(&page, name))
}

/// The value of the unlabelled series `name` in a metrics page.
pub fn value_in(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            (series == name).then(|| value.parse().ok())?
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_unlabelled_series_only() {
        let page = "# HELP jetcrawl_x X\n# TYPE jetcrawl_x gauge\njetcrawl_x 1\n\
                    jetcrawl_x_total{a=\"b\"} 3\njetcrawl_y 1.5e9\n";
        assert_eq!(value_in(page, "jetcrawl_x"), Some(1.0));
        assert_eq!(value_in(page, "jetcrawl_y"), Some(1.5e9));
        assert_eq!(value_in(page, "jetcrawl_x_total"), None);
        assert_eq!(value_in(page, "jetcrawl_z"), None);
    }
}
