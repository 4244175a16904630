//! Explanations as data: a [`Reason`] is a stable machine code ([`ReasonCode`]) plus named
//! parameters, so the web UI can translate it (en, de, fr, el), the API can return it as is and
//! the CLI can print [`Reason::english`]. Health ([`crate::health`]) and classification
//! ([`crate::classify`]) share this one type and this one list of codes.
//!
//! For translators: [`ReasonCode::ALL`] lists every code, [`ReasonCode::code`] gives its stable
//! string and [`ReasonCode::params`] the names of the parameters its sentence uses. Numbers are
//! raw, not formatted: probabilities and percentiles are 0..1 (show them as percent), scores are
//! 0..100, days and counts are whole numbers, trends are ratios (1 = unchanged). A
//! [`ParamValue::Code`] is itself a stable code (a [`crate::health::ComponentKind`] code) that
//! needs its own translation.

use super::ComponentKind;

/// The value of a named parameter of a reason.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamValue {
    /// A finite number in the unit the parameter's name implies (see the module doc).
    Number(f64),
    /// A stable code to translate, such as a component kind (`"friction"`).
    Code(&'static str),
}

/// A parameter's value as read back from storage (see [`Reason::from_stored`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoredParam<'a> {
    Number(f64),
    Code(&'a str),
}

/// One named parameter of a reason.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub value: ParamValue,
}

/// Declares the reason codes in one table: variant, stable code, parameter names.
macro_rules! reason_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal [$($param:literal),*];)*) => {
        /// Every explanation Rapport's health score and classification can give. The string
        /// codes ([`ReasonCode::code`]) are stable: the UI's translations are keyed by them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ReasonCode {
            $($(#[$doc])* $variant,)*
        }

        impl ReasonCode {
            /// Every code, in a fixed order (health components first, then classification).
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant,)*];

            /// The stable machine code, in snake_case.
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// The code whose stable string is `code`.
            pub fn from_code(code: &str) -> Option<ReasonCode> {
                Self::ALL.iter().copied().find(|c| c.code() == code)
            }

            /// The names of the parameters this reason's sentence uses, in order.
            pub fn params(self) -> &'static [&'static str] {
                match self {
                    $(Self::$variant => &[$($param),*],)*
                }
            }
        }
    };
}

reason_codes! {
    /// P(alive) ≥ 0.8.
    PAliveHigh = "p_alive_high" ["p"];
    /// 0.5 ≤ P(alive) < 0.8.
    PAliveMedium = "p_alive_medium" ["p"];
    /// P(alive) < 0.5.
    PAliveLow = "p_alive_low" ["p"];
    /// Purchase trend above 1.25.
    PurchaseTrendUp = "purchase_trend_up" ["ratio"];
    /// Purchase trend from 0.8 to 1.25.
    PurchaseTrendSteady = "purchase_trend_steady" ["ratio"];
    /// Purchase trend above 0 and below 0.8.
    PurchaseTrendDown = "purchase_trend_down" ["ratio"];
    /// Purchase trend 0: no recent purchases.
    PurchaseTrendStopped = "purchase_trend_stopped" [];
    /// Neither P(alive) nor a purchase trend.
    VitalityNoData = "vitality_no_data" [];
    /// CLV percentile ≥ 0.8.
    ValueTop = "value_top" ["percentile"];
    /// 0.4 ≤ CLV percentile < 0.8.
    ValueMiddle = "value_middle" ["percentile"];
    /// CLV percentile < 0.4.
    ValueLow = "value_low" ["percentile"];
    /// No CLV percentile.
    ValueNoData = "value_no_data" [];
    /// Last interaction at most 30 days ago.
    ContactRecent = "contact_recent" ["days"];
    /// Last interaction 31 to 90 days ago.
    ContactAging = "contact_aging" ["days"];
    /// Last interaction more than 90 days ago.
    ContactStale = "contact_stale" ["days"];
    /// Six or more interactions in the last 90 days.
    InteractionsFrequent = "interactions_frequent" ["count"];
    /// One to five interactions in the last 90 days.
    InteractionsSome = "interactions_some" ["count"];
    /// No interactions in the last 90 days.
    InteractionsNone = "interactions_none" [];
    /// Mean sentiment ≥ 0.25.
    SentimentPositive = "sentiment_positive" ["sentiment"];
    /// Mean sentiment between -0.25 and 0.25.
    SentimentNeutral = "sentiment_neutral" ["sentiment"];
    /// Mean sentiment ≤ -0.25.
    SentimentNegative = "sentiment_negative" ["sentiment"];
    /// No interaction data.
    EngagementNoData = "engagement_no_data" [];
    /// NPS answer 9 or 10.
    NpsPromoter = "nps_promoter" ["score", "age_days"];
    /// NPS answer 7 or 8.
    NpsPassive = "nps_passive" ["score", "age_days"];
    /// NPS answer 0 to 6.
    NpsDetractor = "nps_detractor" ["score", "age_days"];
    /// CSAT answer 4 or 5.
    CsatSatisfied = "csat_satisfied" ["score", "age_days"];
    /// CSAT answer 3 (up to below 4).
    CsatNeutral = "csat_neutral" ["score", "age_days"];
    /// CSAT answer below 3.
    CsatDissatisfied = "csat_dissatisfied" ["score", "age_days"];
    /// CES answer 1 to 3 (lower is easier).
    CesEasy = "ces_easy" ["score", "age_days"];
    /// CES answer above 3 and below 5.
    CesModerate = "ces_moderate" ["score", "age_days"];
    /// CES answer 5 to 7.
    CesHard = "ces_hard" ["score", "age_days"];
    /// The freshest survey answer is more than a year old.
    SurveyOld = "survey_old" ["age_days"];
    /// No survey answers.
    SatisfactionNoData = "satisfaction_no_data" [];
    /// Every friction count on record is 0.
    NoFriction = "no_friction" [];
    /// Open complaints.
    OpenComplaints = "open_complaints" ["count"];
    /// Late deliveries in the last 90 days.
    LateDeliveries = "late_deliveries" ["count"];
    /// Withdrawals (cooling-off) in the last 365 days.
    Withdrawals = "withdrawals" ["count"];
    /// Cancellations in the last 365 days.
    Cancellations = "cancellations" ["count"];
    /// No friction counts.
    FrictionNoData = "friction_no_data" [];
    /// No component has data: the score is the neutral value.
    HealthNoData = "health_no_data" [];
    /// Only components weighted 0 have data: the score is the neutral value.
    HealthNoWeightedData = "health_no_weighted_data" [];
    /// Churned: P(alive) below the churn threshold.
    ChurnedPAlive = "churned_p_alive" ["p", "threshold"];
    /// Churned: no purchase for longer than the dormancy limit.
    ChurnedDormant = "churned_dormant" ["days", "limit"];
    /// Churned: every contract ended by cancellation or withdrawal.
    ChurnedContractsEnded = "churned_contracts_ended" [];
    /// At risk: valuable customer whose P(alive) is low.
    AtRiskValuableFading = "at_risk_valuable_fading" ["p", "percentile"];
    /// At risk: health fell sharply since the previous run.
    AtRiskHealthDrop = "at_risk_health_drop" ["previous", "current", "drop"];
    /// At risk: open complaints while purchases fall.
    AtRiskComplaintsFallingPurchases = "at_risk_complaints_falling_purchases" ["count", "ratio"];
    /// At risk: no purchase for several typical gaps between purchases.
    AtRiskOverdue = "at_risk_overdue" ["days", "gap_days", "multiple"];
    /// Repair: health below the repair threshold.
    RepairLowHealth = "repair_low_health" ["score", "threshold"];
    /// The component with the lowest score (given with repair and at-risk).
    WeakestComponent = "weakest_component" ["component", "score"];
    /// Grow: healthy and valuable.
    GrowHighValue = "grow_high_value" ["score", "percentile"];
    /// Grow: healthy and buying more often.
    GrowRisingPurchases = "grow_rising_purchases" ["score", "ratio"];
    /// Maintain: no warning signs.
    MaintainSteady = "maintain_steady" ["score"];
    /// Maintain: too little data to place the customer elsewhere.
    MaintainInsufficientData = "maintain_insufficient_data" [];
}

/// An explanation: a stable code plus named parameters. Build one with [`Reason::new`] and the
/// `with_*` methods; read it with [`Reason::english`] or translate `code` and `params`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: ReasonCode,
    pub params: Vec<Param>,
}

impl Reason {
    /// A reason without parameters.
    pub fn new(code: ReasonCode) -> Self {
        Self {
            code,
            params: Vec::new(),
        }
    }

    /// Adds a numeric parameter.
    pub fn with_number(mut self, name: &'static str, value: f64) -> Self {
        self.params.push(Param {
            name,
            value: ParamValue::Number(value),
        });
        self
    }

    /// Adds a parameter whose value is a stable code.
    pub fn with_code(mut self, name: &'static str, code: &'static str) -> Self {
        self.params.push(Param {
            name,
            value: ParamValue::Code(code),
        });
        self
    }

    /// A reason rebuilt from its stable code and parameters as stored (each a number or a
    /// component kind's code), so its sentence can be written again; `None` for a code,
    /// parameter name or code value this crate does not know.
    pub fn from_stored<'a>(
        code: &str,
        params: impl IntoIterator<Item = (&'a str, StoredParam<'a>)>,
    ) -> Option<Reason> {
        let code = ReasonCode::from_code(code)?;
        let mut reason = Reason::new(code);
        for (name, value) in params {
            let name = *code.params().iter().find(|n| **n == name)?;
            reason = match value {
                StoredParam::Number(v) => reason.with_number(name, v),
                StoredParam::Code(c) => {
                    let kind = ComponentKind::ALL.into_iter().find(|k| k.code() == c)?;
                    reason.with_code(name, kind.code())
                }
            };
        }
        Some(reason)
    }

    /// The numeric parameter `name`, if present.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.params.iter().find_map(|p| match p.value {
            ParamValue::Number(v) if p.name == name => Some(v),
            _ => None,
        })
    }

    /// The code parameter `name`, if present.
    pub fn code_param(&self, name: &str) -> Option<&'static str> {
        self.params.iter().find_map(|p| match p.value {
            ParamValue::Code(c) if p.name == name => Some(c),
            _ => None,
        })
    }

    /// The explanation as one plain-English sentence for a relationship manager. A missing
    /// numeric parameter reads as 0 (reasons built by this crate always carry theirs).
    pub fn english(&self) -> String {
        use ReasonCode as C;
        let n = |name: &str| self.number(name).unwrap_or(0.0);
        let p = pct(n("p"));
        let pctl = pct(n("percentile"));
        let count = whole(n("count"));
        let score = one_decimal(n("score"));
        let ago = ago_days(n("age_days"));
        let (days, ratio) = (whole(n("days")), n("ratio"));
        match self.code {
            C::PAliveHigh => {
                format!("Very likely still buying: {p} chance the customer is still active.",)
            }
            C::PAliveMedium => {
                format!("May be drifting away: {p} chance the customer is still active.",)
            }
            C::PAliveLow => {
                format!("Probably no longer buying: only {p} chance the customer is still active.",)
            }
            C::PurchaseTrendUp => format!(
                "Buying more often lately: {} times the earlier purchase rate.",
                one_decimal(ratio)
            ),
            C::PurchaseTrendSteady => format!(
                "Buying at a steady pace: recent purchase rate {} of the earlier rate.",
                pct(ratio)
            ),
            C::PurchaseTrendDown => format!(
                "Buying less often lately: recent purchase rate {} below the earlier rate.",
                pct(1.0 - ratio)
            ),
            C::PurchaseTrendStopped => {
                "No purchases lately, although the customer bought before.".into()
            }
            C::VitalityNoData => {
                no_data("No purchase history to tell whether the customer is still buying")
            }
            C::ValueTop => format!(
                "One of the most valuable customers: worth more over their lifetime than {pctl} \
                of this organization's customers.",
            ),
            C::ValueMiddle => format!(
                "Average value: worth more over their lifetime than {pctl} of this organization's \
                customers.",
            ),
            C::ValueLow => format!(
                "Low value so far: worth more over their lifetime than only {pctl} of this \
                organization's customers.",
            ),
            C::ValueNoData => no_data("No lifetime value estimate yet"),
            C::ContactRecent => format!("In touch recently: last contact {}.", ago_days(n("days"))),
            C::ContactAging => format!("Contact is thinning out: last contact {days} days ago."),
            C::ContactStale => format!("Going quiet: no contact for {days} days."),
            C::InteractionsFrequent => {
                format!("Frequent contact: {count} interactions in the last 90 days.",)
            }
            C::InteractionsSome => format!(
                "Occasional contact: {}.",
                plural(n("count"), "interaction", "interactions") + " in the last 90 days"
            ),
            C::InteractionsNone => "No interactions at all in the last 90 days.".into(),
            C::SentimentPositive => format!(
                "Recent conversations went well (mood {} on a scale from -1 to +1).",
                signed(n("sentiment"))
            ),
            C::SentimentNeutral => format!(
                "Recent conversations were neutral (mood {} on a scale from -1 to +1).",
                signed(n("sentiment"))
            ),
            C::SentimentNegative => format!(
                "Recent conversations were difficult (mood {} on a scale from -1 to +1).",
                signed(n("sentiment"))
            ),
            C::EngagementNoData => no_data("No recorded interactions to judge engagement"),
            C::NpsPromoter => format!(
                "Would recommend us: answered {score} out of 10 in the recommendation survey \
                {ago}.",
            ),
            C::NpsPassive => format!(
                "Lukewarm about recommending us: answered {score} out of 10 in the recommendation \
                survey {ago}.",
            ),
            C::NpsDetractor => format!(
                "Would not recommend us: answered only {score} out of 10 in the recommendation \
                survey {ago}.",
            ),
            C::CsatSatisfied => {
                format!("Satisfied: rated us {score} out of 5 in the satisfaction survey {ago}.",)
            }
            C::CsatNeutral => format!(
                "Neither satisfied nor dissatisfied: rated us {score} out of 5 in the \
                satisfaction survey {ago}.",
            ),
            C::CsatDissatisfied => format!(
                "Dissatisfied: rated us only {score} out of 5 in the satisfaction survey {ago}.",
            ),
            C::CesEasy => format!(
                "Finds us easy to deal with: rated the effort {score} out of 7 (1 = very easy) \
                {ago}.",
            ),
            C::CesModerate => format!(
                "Finds dealing with us somewhat hard work: rated the effort {score} out of 7 (1 = \
                very easy) {ago}.",
            ),
            C::CesHard => format!(
                "Finds us hard to deal with: rated the effort {score} out of 7 (1 = very easy) \
                {ago}.",
            ),
            C::SurveyOld => format!(
                "The latest survey answer is {} days old, so it counts for less.",
                whole(n("age_days"))
            ),
            C::SatisfactionNoData => no_data("No survey answers (NPS, CSAT or CES) yet"),
            C::NoFriction => {
                "No open complaints, late deliveries, withdrawals or cancellations on record."
                    .into()
            }
            C::OpenComplaints => format!(
                "{} waiting to be resolved.",
                plural(n("count"), "open complaint", "open complaints")
            ),
            C::LateDeliveries => format!(
                "{} to this customer in the last 90 days.",
                plural(n("count"), "late delivery", "late deliveries")
            ),
            C::Withdrawals => format!(
                "Withdrew from {} in the last year, within the cooling-off period.",
                plural(n("count"), "contract", "contracts")
            ),
            C::Cancellations => format!(
                "Cancelled {} in the last year.",
                plural(n("count"), "contract", "contracts")
            ),
            C::FrictionNoData => no_data("No records of complaints, deliveries or contracts"),
            C::HealthNoData => {
                "Not enough data to score this relationship yet: showing the neutral score of 50."
                    .into()
            }
            C::HealthNoWeightedData => {
                "Only parts weighted 0 in this organization's settings have data: \
                 showing the neutral score of 50."
                    .into()
            }
            C::ChurnedPAlive => format!(
                "Only {p} chance the customer is still active, below the {} limit.",
                pct(n("threshold"))
            ),
            C::ChurnedDormant => format!(
                "No purchase for {days} days, longer than the {} days after which a customer \
                counts as gone.",
                whole(n("limit"))
            ),
            C::ChurnedContractsEnded => {
                "Every contract has ended by cancellation or withdrawal.".into()
            }
            C::AtRiskValuableFading => format!(
                "A valuable customer (worth more than {pctl} of customers) with only {p} chance \
                of still being active.",
            ),
            C::AtRiskHealthDrop => format!(
                "Health fell by {} points since the last scoring, from {} to {}.",
                one_decimal(n("drop")),
                one_decimal(n("previous")),
                one_decimal(n("current"))
            ),
            C::AtRiskComplaintsFallingPurchases => format!(
                "{} while purchases fall: recent purchase rate {} below the earlier rate.",
                plural(n("count"), "open complaint", "open complaints"),
                pct(1.0 - ratio)
            ),
            C::AtRiskOverdue => format!(
                "No purchase for {days} days, more than {} the usual {} days between purchases.",
                times(n("multiple")),
                whole(n("gap_days"))
            ),
            C::RepairLowHealth => format!(
                "Health score {score} is below {}: the relationship needs repair.",
                one_decimal(n("threshold"))
            ),
            C::WeakestComponent => format!(
                "Weakest part: {} ({score} out of 100).",
                component_name(self.code_param("component"))
            ),
            C::GrowHighValue => format!(
                "Healthy (score {score}) and worth more than {pctl} of customers: a candidate for \
                cross-selling and referrals.",
            ),
            C::GrowRisingPurchases => format!(
                "Healthy (score {score}) and buying more often lately ({} times the earlier \
                rate): room to grow.",
                one_decimal(ratio)
            ),
            C::MaintainSteady => format!(
                "A steady relationship (health score {score}) with no warning signs: keep it that \
                way.",
            ),
            C::MaintainInsufficientData => {
                "Not enough data to place this customer more precisely yet.".into()
            }
        }
    }
}

fn no_data(what: &str) -> String {
    format!("{what}: this part is left out and its weight goes to the others.")
}

fn component_name(code: Option<&str>) -> &'static str {
    ComponentKind::ALL
        .into_iter()
        .find(|k| Some(k.code()) == code)
        .map_or("unknown", ComponentKind::english)
}

/// 0.234 → "23%", with "less than 1%" and "more than 99%" at the ends instead of a misleading
/// "0%" or "100%".
fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.005 {
        "less than 1%".into()
    } else if x > 0.995 && x < 1.0 {
        "more than 99%".into()
    } else {
        format!("{}%", whole(x * 100.0))
    }
}

/// Rounded to a whole number (saturating, never "-0").
fn whole(x: f64) -> i64 {
    x.round() as i64
}

/// One decimal, without a trailing ".0": 7.0 → "7", 7.25 → "7.3".
fn one_decimal(x: f64) -> String {
    let tenths = (x * 10.0).round() as i64;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!(
            "{}{}.{}",
            if tenths < 0 { "-" } else { "" },
            (tenths / 10).abs(),
            (tenths % 10).abs()
        )
    }
}

/// A sentiment with its sign: "+0.6", "-0.3", "0".
fn signed(x: f64) -> String {
    let s = one_decimal(x);
    if (x * 10.0).round() as i64 > 0 {
        format!("+{s}")
    } else {
        s
    }
}

/// 2 → "twice", 3 → "3 times", 2.5 → "2.5 times".
fn times(multiple: f64) -> String {
    match one_decimal(multiple).as_str() {
        "1" => "once".into(),
        "2" => "twice".into(),
        m => format!("{m} times"),
    }
}

fn plural(count: f64, one: &str, many: &str) -> String {
    let n = whole(count);
    format!("{n} {}", if n == 1 { one } else { many })
}

fn ago_days(days: f64) -> String {
    match whole(days) {
        0 => "today".into(),
        1 => "yesterday".into(),
        n => format!("{n} days ago"),
    }
}
