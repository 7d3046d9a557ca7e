//! Where a request came from, as far as budgets go: the source address reduced to what one
//! requester controls. Only keyed hashes of these values leave the edge.

use std::net::IpAddr;

/// The network a request came from, as far as the address budgets go: an IPv4 /16 or an IPv6
/// /48. These budgets are per address (how often one network may have mail sent to one address),
/// so a wide unit costs legitimate users almost nothing (only people asking for the same address
/// from the same /16 share it), while it collapses what one attacker rents: a hosting customer's
/// scattered /24s mostly sit in a few /16s, and one IPv6 site is a /48, which a /64 unit counted as
/// 65,536 requesters. Unparsable sources share one bucket.
pub fn requester_network(source_ip: Option<&str>) -> String {
    match source_ip.and_then(|ip| ip.trim().parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => {
            let [a, b, _, _] = v4.octets();
            format!("{a}.{b}.0.0/16")
        }
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => requester_network(Some(&v4.to_string())),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
        None => "unknown".to_owned(),
    }
}

/// What one per-source-IP budget counts: an IPv4 address, or an IPv6 /64 (one subscriber's
/// allocation: keyed by the full address, a /64 would hold 2^64 budgets). Unparsable sources
/// share one budget.
pub fn ip_budget_source(source_ip: Option<&str>) -> String {
    match source_ip.and_then(|ip| ip.trim().parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requesters_are_networks_not_addresses() {
        let cases = [
            (Some("203.0.113.7"), "203.0.0.0/16"),
            (Some("203.0.250.250"), "203.0.0.0/16"),
            (Some("2001:db8:1:2:3:4:5:6"), "2001:db8:1::/48"),
            (Some("2001:db8:1:ffff::ffff"), "2001:db8:1::/48"),
            (Some("::ffff:198.51.100.9"), "198.51.0.0/16"),
            (Some("not an ip"), "unknown"),
            (None, "unknown"),
        ];
        for (ip, network) in cases {
            assert_eq!(requester_network(ip), network, "{ip:?}");
        }
    }

    #[test]
    fn an_ipv6_budget_is_a_64_and_an_ipv4_budget_an_address() {
        assert_eq!(ip_budget_source(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(ip_budget_source(Some("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(ip_budget_source(Some("2001:db8:1:2::ffff")), ip_budget_source(Some("2001:db8:1:2:ffff::1")));
        assert_ne!(ip_budget_source(Some("2001:db8:1:2::1")), ip_budget_source(Some("2001:db8:1:3::1")));
        assert_eq!(ip_budget_source(Some("::ffff:198.51.100.9")), "198.51.100.9");
        assert_eq!(ip_budget_source(None), "unknown");
    }
}
