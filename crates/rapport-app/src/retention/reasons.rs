//! The org's cancellation-reason catalogue: the defaults every new org starts with (labels in
//! the four UI languages, a category and a remedy each), and the catalogue as the reports read
//! it.

use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, AuditId, OrgId};
use rapport_store::schema::CANCELLATION_REASONS;
use rapport_store::{Store, StoreError, Tx, Value};
use serde_json::json;
use uuid::Uuid;

/// One default reason: code, category, label in English, German, French and Greek, remedy.
struct Builtin {
    code: &'static str,
    category: &'static str,
    labels: [&'static str; 4],
    remedy: &'static str,
}

const DEFAULTS: &[Builtin] = &[
    Builtin {
        code: "price_too_high",
        category: "price",
        labels: [
            "Price too high",
            "Preis zu hoch",
            "Prix trop élevé",
            "Πολύ υψηλή τιμή",
        ],
        remedy: "Offer a loyalty discount before the renewal date",
    },
    Builtin {
        code: "competitor_offer",
        category: "competitor",
        labels: [
            "Better offer from a competitor",
            "Besseres Angebot der Konkurrenz",
            "Meilleure offre d'un concurrent",
            "Καλύτερη προσφορά ανταγωνιστή",
        ],
        remedy: "Price-match review for customers holding a competing quote",
    },
    Builtin {
        code: "poor_service",
        category: "service",
        labels: [
            "Poor service experience",
            "Schlechte Erfahrung mit dem Service",
            "Mauvaise expérience de service",
            "Κακή εμπειρία εξυπηρέτησης",
        ],
        remedy: "Call back within 24 hours after every complaint",
    },
    Builtin {
        code: "product_quality",
        category: "product",
        labels: [
            "Product quality problems",
            "Mängel an der Produktqualität",
            "Problèmes de qualité du produit",
            "Προβλήματα ποιότητας προϊόντος",
        ],
        remedy: "Quality review of the product with the most complaints",
    },
    Builtin {
        code: "upgrade_wish",
        category: "upgrade_wish",
        labels: [
            "Wants a newer model",
            "Wunsch nach einem neueren Modell",
            "Souhaite un modèle plus récent",
            "Επιθυμεί νεότερο μοντέλο",
        ],
        remedy: "Offer automatic upgrades to loyal customers",
    },
    Builtin {
        code: "relocation",
        category: "relocation",
        labels: ["Moving away", "Umzug", "Déménagement", "Μετακόμιση"],
        remedy: "Transfer the contract to the new address or a partner there",
    },
    Builtin {
        code: "payment_trouble",
        category: "payment",
        labels: [
            "Cannot keep up the payments",
            "Zahlungsschwierigkeiten",
            "Difficultés de paiement",
            "Οικονομικές δυσκολίες",
        ],
        remedy: "Offer a payment holiday or instalments",
    },
    Builtin {
        code: "delivery_delay",
        category: "service",
        labels: [
            "Waited too long for delivery",
            "Zu lange Lieferzeit",
            "Délai de livraison trop long",
            "Μεγάλη καθυστέρηση παράδοσης",
        ],
        remedy: "Keep in touch while customers wait; give firm delivery dates",
    },
    Builtin {
        code: "changed_mind",
        category: "other",
        labels: [
            "Changed mind after signing",
            "Nach der Unterschrift umentschieden",
            "A changé d'avis après la signature",
            "Άλλαξε γνώμη μετά την υπογραφή",
        ],
        remedy: "Stay in contact between signing and delivery and repeat the reasons to buy",
    },
    Builtin {
        code: "no_longer_needed",
        category: "product",
        labels: [
            "No longer needed",
            "Kein Bedarf mehr",
            "N'en a plus besoin",
            "Δεν το χρειάζεται πια",
        ],
        remedy: "Offer a smaller or paused plan instead of ending",
    },
    Builtin {
        code: "other",
        category: "other",
        labels: ["Other", "Sonstiges", "Autre", "Άλλο"],
        remedy: "Read the notes each month and add the reasons that recur",
    },
];

/// One entry of the catalogue as the reports show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: String,
    pub category: String,
    /// English (the label every reason has), German, French, Greek (empty: not translated).
    pub labels: [String; 4],
    pub remedy: Option<String>,
    pub remedy_owner: Option<Uuid>,
    pub remedy_status: String,
}

impl Reason {
    /// The label in `lang` (`en`, `de`, `fr`, `el`), English where it is not translated.
    pub fn label(&self, lang: &str) -> &str {
        let i = match lang {
            "de" => 1,
            "fr" => 2,
            "el" => 3,
            _ => 0,
        };
        if self.labels[i].is_empty() {
            &self.labels[0]
        } else {
            &self.labels[i]
        }
    }

    /// A reason a contract names that the catalogue does not hold (it cannot happen through
    /// Rapport's own writes, whose foreign key refuses it): shown by its code.
    pub fn unknown(code: &str) -> Reason {
        Reason {
            code: code.to_string(),
            category: "other".into(),
            labels: [
                code.to_string(),
                String::new(),
                String::new(),
                String::new(),
            ],
            remedy: None,
            remedy_owner: None,
            remedy_status: "open".into(),
        }
    }
}

/// The org's catalogue, ordered by code.
pub async fn catalogue(tx: &mut Tx) -> Result<Vec<Reason>, StoreError> {
    let rows = tx.fetch_page(&CANCELLATION_REASONS, None, 100_000).await?;
    let t = &CANCELLATION_REASONS;
    let text = |r: &Vec<Value>, c: &str| r[t.col(c)].as_str().unwrap_or_default().to_string();
    Ok(rows
        .iter()
        .map(|r| Reason {
            code: text(r, "code"),
            category: text(r, "category"),
            labels: [
                text(r, "label"),
                text(r, "label_de"),
                text(r, "label_fr"),
                text(r, "label_el"),
            ],
            remedy: r[t.col("remedy")].as_str().map(str::to_string),
            remedy_owner: r[t.col("remedy_owner_id")].as_uuid(),
            remedy_status: r[t.col("remedy_status")]
                .as_str()
                .unwrap_or("open")
                .to_string(),
        })
        .collect())
}

/// Gives a new org the default catalogue, when it has no reasons yet; audited as one entry.
/// Returns how many reasons it added.
pub async fn install_defaults(
    store: &Store,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut tx = store.begin(org).await?;
    if tx.count(&CANCELLATION_REASONS).await? > 0 {
        tx.rollback().await?;
        return Ok(0);
    }
    let rows: Vec<Vec<Value>> = DEFAULTS
        .iter()
        .map(|d| {
            vec![
                Value::text(d.code),
                Value::text(d.labels[0]),
                Value::text(d.category),
                Value::text(d.remedy),
                Value::text(d.labels[1]),
                Value::text(d.labels[2]),
                Value::text(d.labels[3]),
                Value::Null,
                Value::text("open"),
            ]
        })
        .collect();
    tx.insert_rows(&CANCELLATION_REASONS, &rows).await?;
    tx.audit(&[AuditEntry {
        id: AuditId(Uuid::now_v7()),
        at: now,
        user: None,
        source: "system".into(),
        entity: "cancellation_reasons".into(),
        entity_id: None,
        action: "install_defaults".into(),
        before: None,
        after: Some(json!({
            "codes": DEFAULTS.iter().map(|d| d.code).collect::<Vec<_>>(),
        })),
    }])
    .await?;
    tx.commit().await?;
    Ok(DEFAULTS.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::ReasonCategory;

    #[test]
    fn every_default_has_a_known_category_four_labels_and_a_remedy() {
        let mut codes: Vec<_> = DEFAULTS.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DEFAULTS.len(), "codes are unique");
        for d in DEFAULTS {
            assert!(ReasonCategory::parse(d.category).is_ok(), "{}", d.code);
            assert!(d.labels.iter().all(|l| !l.is_empty()), "{}", d.code);
            assert!(!d.remedy.is_empty(), "{}", d.code);
        }
    }

    #[test]
    fn a_label_falls_back_to_english() {
        let mut r = Reason::unknown("x");
        r.labels = ["Price".into(), "Preis".into(), String::new(), String::new()];
        assert_eq!(r.label("de"), "Preis");
        assert_eq!(r.label("fr"), "Price");
        assert_eq!(r.label("xx"), "Price");
    }
}
