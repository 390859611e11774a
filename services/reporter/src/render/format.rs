//! Number formatting shared by the HTML and the charts.

/// A number as people read it: integers without decimals, others with up to 3.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// An optional number, `–` when absent.
pub fn maybe(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), number)
}

/// A ratio as a percentage with one decimal, `–` when absent.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(number(95.0), "95");
        assert_eq!(number(50.5), "50.5");
        assert_eq!(number(1.23456), "1.235");
        assert_eq!(maybe(None), "–");
        assert_eq!(percent(Some(0.8)), "80.0%");
    }
}
