//! Who is held out as the control group, and which offer each treated customer gets.

use super::*;

/// Whether a customer is held out: a hash of the campaign and the customer against the share,
/// so the split is random across customers, fixed for a campaign, and reproducible.
pub fn in_control(campaign: Uuid, party: Uuid, share: f64) -> bool {
    // SplitMix64 over the two ids' bits.
    let mut x = 0u64;
    for word in [campaign.as_u128(), party.as_u128()] {
        for half in [(word >> 64) as u64, word as u64] {
            x ^= half;
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x = z ^ (z >> 31);
        }
    }
    (x >> 11) as f64 / (1u64 << 53) as f64 <= share && share > 0.0
}

pub(super) fn offer_for(
    offers: &BTreeMap<String, String>,
    reasons: &Json,
    main: Option<&str>,
) -> Option<String> {
    let codes = main.into_iter().chain(
        reasons
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| [r["params"]["reason"].as_str(), r["code"].as_str()])
            .flatten(),
    );
    for c in codes {
        if let Some(o) = offers.get(c) {
            return Some(o.clone());
        }
    }
    offers.get("*").cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_group_is_about_the_share_asked_and_fixed_per_campaign() {
        let campaign = Uuid::from_u128(42);
        let held: usize = (0..10_000u128)
            .filter(|p| in_control(campaign, Uuid::from_u128(p * 7919 + 1), 0.2))
            .count();
        assert!((1_850..=2_150).contains(&held), "{held}");
        assert!(!in_control(campaign, Uuid::from_u128(5), 0.0));
        let again: usize = (0..10_000u128)
            .filter(|p| in_control(campaign, Uuid::from_u128(p * 7919 + 1), 0.2))
            .count();
        assert_eq!(held, again);
    }

    #[test]
    fn offers_follow_the_reason_then_the_default() {
        let offers: BTreeMap<String, String> = [
            (
                "price_too_high".to_string(),
                "10 % loyalty discount".to_string(),
            ),
            ("*".to_string(), "Personal call".to_string()),
        ]
        .into();
        let cancelled = json!([{"code": "cancelled", "params": {"reason": "price_too_high"}}]);
        assert_eq!(
            offer_for(&offers, &cancelled, Some("price_too_high")).as_deref(),
            Some("10 % loyalty discount")
        );
        let other = json!([{"code": "detractor", "params": {"score": 3}}]);
        assert_eq!(
            offer_for(&offers, &other, Some("detractor")).as_deref(),
            Some("Personal call")
        );
    }
}
