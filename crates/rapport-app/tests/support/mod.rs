//! Shared helpers for the use-case tests: a store per backend, files from strings, imports.

#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use rapport_app::import::{ImportKind, ImportOptions, ImportReport, NoProgress, import_file};
use rapport_domain::OrgId;
use rapport_store::Store;
use rapport_testkit::TestDb;
use uuid::Uuid;

pub struct Env {
    pub db: TestDb,
    pub store: Store,
    pub org: OrgId,
    pub dir: tempfile::TempDir,
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

/// One environment per configured backend.
pub async fn envs() -> Vec<Env> {
    let mut out = Vec::new();
    for db in TestDb::all().await {
        out.push(env_on(db).await);
    }
    out
}

pub async fn env_on(db: TestDb) -> Env {
    let store = Store::connect(&db.url).await.expect("connect");
    let (org, _) = store
        .ensure_org("Acme", OrgId(Uuid::now_v7()), now())
        .await
        .unwrap();
    Env {
        db,
        store,
        org: org.id,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl Env {
    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    pub async fn import(&self, kind: ImportKind, content: &str) -> ImportReport {
        let path = self.file(&format!("{}.csv", kind.as_str()), content);
        self.import_with(kind, &path, |_| {}).await
    }

    pub async fn import_with(
        &self,
        kind: ImportKind,
        path: &std::path::Path,
        tweak: impl FnOnce(&mut ImportOptions),
    ) -> ImportReport {
        let mut opts = ImportOptions::new(kind, now());
        tweak(&mut opts);
        import_file(&self.store, self.org, path, &opts, &NoProgress)
            .await
            .expect("import")
    }

    pub async fn try_import(
        &self,
        kind: ImportKind,
        content: &[u8],
    ) -> Result<ImportReport, rapport_app::import::ImportError> {
        let path = self.file(&format!("{}.csv", kind.as_str()), content);
        let opts = ImportOptions::new(kind, now());
        import_file(&self.store, self.org, &path, &opts, &NoProgress).await
    }

    pub async fn export(&self, kind: ImportKind) -> String {
        let mut out = Vec::new();
        rapport_app::export::export(&self.store, self.org, kind, &mut out, &NoProgress)
            .await
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    pub async fn count(&self, table: &rapport_store::Table) -> i64 {
        let mut tx = self.store.begin(self.org).await.unwrap();
        let n = tx.count(table).await.unwrap();
        tx.rollback().await.unwrap();
        n
    }
}

pub const PARTIES_CSV: &str = "\
external_id,kind,name,first_name,last_name,roles,owner_email,lifecycle,acquisition_channel,acquired_on,segment,industry,country,city,email,phone,tags,attributes,referred_by
C1,organization,Acme Trading GmbH,,,customer;partner,,active,referral,2024-01-15,smb,retail,DE,Berlin,info@acme-trading.de,+49 30 1234567,vip,\"{\"\"tier\"\":\"\"gold\"\"}\",
C2,person,Anna Berger,Anna,Berger,customer,,active,paid_search,2024-02-01,private,,AT,Wien,anna.berger@example.com,,,,C1
C3,person,Jean Dupont,Jean,Dupont,prospect,,prospect,web,,private,,FR,Paris,jean@example.fr,,,,
";
