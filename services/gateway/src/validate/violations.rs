//! Collected field violations: validation reports every problem at once, each with the
//! path of the field and what to do about it.

use std::fmt;

/// Most violations spelled out in a status message; the rest are counted.
const MAX_IN_MESSAGE: usize = 10;

/// One bad field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request, e.g. `spec.urls[1]`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub description: String,
}

/// Every violation found in one request, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Records a violation of `field`.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Moves every violation of `other` into this list.
    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The violations.
    pub fn as_slice(&self) -> &[FieldViolation] {
        &self.0
    }

    /// `Ok(value)` when nothing was wrong, `Err(self)` otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<FieldViolation> for Violations {
    fn from(violation: FieldViolation) -> Self {
        Self(vec![violation])
    }
}

impl fmt::Display for Violations {
    /// `field: description; field: description (and N more)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, violation) in self.0.iter().take(MAX_IN_MESSAGE).enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", violation.field, violation.description)?;
        }
        if self.0.len() > MAX_IN_MESSAGE {
            write!(f, " (and {} more)", self.0.len() - MAX_IN_MESSAGE)?;
        }
        Ok(())
    }
}
