//! Rapport's use cases, between the command line (and later the server) and the store:
//! importing and exporting CSV files, users, duplicate detection and merging, the demo company.
//! Nothing here knows about terminals or HTTP; nothing here names a sqlx type.

pub mod clv;
pub mod demo;
pub mod export;
pub mod import;
pub mod insights;
pub mod merge;
pub mod party360;
pub mod records;
pub mod retention;
pub mod score;
pub mod settings;
pub mod signin;
pub mod users;
