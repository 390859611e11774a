//! Executing a spec: HTTP fetches, browser pages and their steps, and extraction.

pub mod agent;
pub mod executor;
pub mod extract;
pub mod formats;
pub mod http;
pub mod interrupt;
pub mod model;
pub mod page;
pub mod progress;
pub mod script;
pub mod settle;

pub use executor::{Executor, ExecutorConfig};
pub use interrupt::{Interrupt, Interrupter, Stop};
pub use model::{Capture, Mode, PageResult, PageRun, ResultDocument, ScreenshotRef, SpecRun};
pub use page::{BrowserPage, PageLimits};
pub use progress::{Progress, ProgressSink};
pub use settle::{PageSettle, SettlePlan, SettleRule};
