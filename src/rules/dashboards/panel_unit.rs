//! Panel units are Grafana unit ids (or explicit custom units).

use crate::artifact::dashboard::Dashboard;
use crate::rules::{Ctx, Rule};

crate::declare_rule! {
    pub struct PanelUnit {
        code: "OL714",
        name: "panel-unit",
        family: Dashboards,
        severity: Warning,
        fix: None,
        summary: "A panel unit that is not one of Grafana's unit ids",
    }
}

/// Grafana's unit ids (the unit picker's categories: misc, acceleration,
/// angle, area, computation, concentration, currency, data, data rate, date
/// and time, energy, flow, force, hash rate, mass, length, pressure,
/// radiation, rotational speed, temperature, time, throughput, velocity,
/// volume, boolean), with the aliases Grafana still resolves.
pub const UNITS: &[&str] = &[
    // misc
    "none",
    "string",
    "short",
    "sishort",
    "percent",
    "percentunit",
    "humidity",
    "dB",
    "candela",
    "hex0x",
    "hex",
    "sci",
    "locale",
    "pixel",
    // acceleration, angle, area
    "accMS2",
    "accFS2",
    "accG",
    "degree",
    "radian",
    "grad",
    "arcmin",
    "arcsec",
    "areaM2",
    "areaF2",
    "areaMI2",
    "acres",
    "hectares",
    // computation
    "flops",
    "mflops",
    "gflops",
    "tflops",
    "pflops",
    "eflops",
    "zflops",
    "yflops",
    // concentration
    "ppm",
    "conppb",
    "conngm3",
    "conngNm3",
    "conμgm3",
    "conμgNm3",
    "conmgm3",
    "conmgNm3",
    "congm3",
    "congNm3",
    "conmgdL",
    "conmmolL",
    // currency
    "currencyUSD",
    "currencyGBP",
    "currencyEUR",
    "currencyJPY",
    "currencyRUB",
    "currencyUAH",
    "currencyBRL",
    "currencyDKK",
    "currencyISK",
    "currencyNOK",
    "currencySEK",
    "currencyCZK",
    "currencyCHF",
    "currencyPLN",
    "currencyBTC",
    "currencymBTC",
    "currencyμBTC",
    "currencyZAR",
    "currencyINR",
    "currencyKRW",
    "currencyIDR",
    "currencyPHP",
    "currencyVND",
    "currencyTRY",
    "currencyMYR",
    "currencyXPF",
    "currencyBGN",
    "currencyPYG",
    "currencyUYU",
    "currencyILS",
    // data
    "bytes",
    "decbytes",
    "bits",
    "decbits",
    "kbytes",
    "deckbytes",
    "mbytes",
    "decmbytes",
    "gbytes",
    "decgbytes",
    "tbytes",
    "dectbytes",
    "pbytes",
    "decpbytes",
    // data rate
    "pps",
    "binBps",
    "Bps",
    "binbps",
    "bps",
    "KiBs",
    "Kibits",
    "KBs",
    "Kbits",
    "MiBs",
    "Mibits",
    "MBs",
    "Mbits",
    "GiBs",
    "Gibits",
    "GBs",
    "Gbits",
    "TiBs",
    "Tibits",
    "TBs",
    "Tbits",
    "PiBs",
    "Pibits",
    "PBs",
    "Pbits",
    // date and time
    "dateTimeAsIso",
    "dateTimeAsIsoNoDateIfToday",
    "dateTimeAsUS",
    "dateTimeAsUSNoDateIfToday",
    "dateTimeAsLocal",
    "dateTimeAsLocalNoDateIfToday",
    "dateTimeAsSystem",
    "dateTimeFromNow",
    // energy
    "watt",
    "kwatt",
    "megwatt",
    "gwatt",
    "mwatt",
    "Wm2",
    "voltamp",
    "kvoltamp",
    "voltampreact",
    "kvoltampreact",
    "watth",
    "watthperkg",
    "kwatth",
    "kwattm",
    "mwatth",
    "amph",
    "kamph",
    "mamph",
    "joule",
    "ev",
    "amp",
    "kamp",
    "mamp",
    "volt",
    "kvolt",
    "mvolt",
    "dBm",
    "mohm",
    "ohm",
    "kohm",
    "Mohm",
    "farad",
    "µfarad",
    "nfarad",
    "pfarad",
    "ffarad",
    "henry",
    "mhenry",
    "µhenry",
    "lumens",
    // flow, force
    "flowgpm",
    "flowcms",
    "flowcfs",
    "flowcfm",
    "litreh",
    "flowlpm",
    "flowmlpm",
    "lux",
    "forceNm",
    "forcekNm",
    "forceN",
    "forcekN",
    // hash rate
    "Hs",
    "KHs",
    "MHs",
    "GHs",
    "THs",
    "PHs",
    "EHs",
    // mass, length
    "massmg",
    "massg",
    "masslb",
    "masskg",
    "masst",
    "lengthmm",
    "lengthin",
    "lengthft",
    "lengthm",
    "lengthkm",
    "lengthmi",
    // pressure
    "pressurembar",
    "pressurebar",
    "pressurekbar",
    "pressurepa",
    "pressurehpa",
    "pressurekpa",
    "pressurehg",
    "pressurepsi",
    // radiation
    "radbq",
    "radci",
    "radgy",
    "radrad",
    "radsv",
    "radmsv",
    "radusv",
    "radrem",
    "radexpckg",
    "radr",
    "radsvh",
    "radmsvh",
    "radusvh",
    // rotational speed, temperature
    "rotrpm",
    "rothz",
    "rotkhz",
    "rotmhz",
    "rotghz",
    "rotrads",
    "rotdegs",
    "celsius",
    "fahrenheit",
    "kelvin",
    // time
    "hertz",
    "ns",
    "µs",
    "ms",
    "s",
    "m",
    "h",
    "d",
    "dtdurationms",
    "dtdurations",
    "dthms",
    "dtdhms",
    "timeticks",
    "clockms",
    "clocks",
    // throughput
    "cps",
    "ops",
    "reqps",
    "rps",
    "wps",
    "iops",
    "eps",
    "mps",
    "recps",
    "rowsps",
    "cpm",
    "opm",
    "reqpm",
    "rpm",
    "wpm",
    "epm",
    "mpm",
    "recpm",
    "rowspm",
    // velocity, volume
    "velocityms",
    "velocitykmh",
    "velocitymph",
    "velocityknot",
    "mlitre",
    "litre",
    "m3",
    "Nm3",
    "dm3",
    "gallons",
    // boolean
    "bool",
    "bool_yes_no",
    "bool_on_off",
    // aliases Grafana resolves to the ids above
    "farenheit",
    "us",
];

/// Prefixes of Grafana's custom units: `suffix:req`, `si:B`, `count:req`, ...
const CUSTOM: &[&str] = &[
    "suffix:",
    "prefix:",
    "si:",
    "count:",
    "currency:",
    "time:",
    "bool:",
];

/// Whether Grafana formats `unit` with one of its formatters (rather than
/// printing it as a literal suffix).
pub fn is_known(unit: &str) -> bool {
    UNITS.contains(&unit)
        || CUSTOM
            .iter()
            .any(|p| unit.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

/// Text units people write for which Grafana has a formatter.
const SYNONYMS: &[(&str, &str)] = &[
    ("seconds", "s"),
    ("second", "s"),
    ("sec", "s"),
    ("secs", "s"),
    ("milliseconds", "ms"),
    ("millisecond", "ms"),
    ("msec", "ms"),
    ("microseconds", "µs"),
    ("nanoseconds", "ns"),
    ("minutes", "m"),
    ("min", "m"),
    ("hours", "h"),
    ("hour", "h"),
    ("days", "d"),
    ("%", "percent"),
    ("percentage", "percent"),
    ("b", "bytes"),
    ("byte", "bytes"),
    ("kb", "deckbytes"),
    ("mb", "decmbytes"),
    ("gb", "decgbytes"),
    ("tb", "dectbytes"),
    ("kib", "kbytes"),
    ("mib", "mbytes"),
    ("gib", "gbytes"),
    ("tib", "tbytes"),
    ("b/s", "Bps"),
    ("bytes/s", "Bps"),
    ("bytes/sec", "Bps"),
    ("bits/s", "bps"),
    ("bits/sec", "bps"),
    ("req/s", "reqps"),
    ("req/sec", "reqps"),
    ("requests/s", "reqps"),
    ("requests/sec", "reqps"),
    ("requests/second", "reqps"),
    ("ops/s", "ops"),
    ("ops/sec", "ops"),
    ("operations/s", "ops"),
    ("iops", "iops"),
    ("hz", "hertz"),
    ("°c", "celsius"),
    ("°f", "fahrenheit"),
];

/// The Grafana unit id an unknown unit most likely means: the same id in
/// another case or with stray spaces, a common spelling (`seconds`, `MB`,
/// `req/s`), or a one-letter typo of a longer id.
pub fn equivalent(unit: &str) -> Option<&'static str> {
    let t = unit.trim();
    let lower = t.to_lowercase();
    if let Some(u) = UNITS.iter().find(|u| **u == t || u.to_lowercase() == lower) {
        return Some(u);
    }
    if let Some((_, u)) = SYNONYMS.iter().find(|(s, _)| *s == lower) {
        return Some(u);
    }
    if t.chars().count() >= 5 {
        return UNITS
            .iter()
            .find(|u| {
                u.chars().count() >= 5
                    && crate::source::suggest::levenshtein(&lower, &u.to_lowercase()) == 1
            })
            .copied();
    }
    None
}

impl Rule for PanelUnit {
    fn check_dashboard(&self, cx: &mut Ctx<'_>, d: &Dashboard) {
        for p in &d.panels {
            // a unit repeated by several overrides of one panel is one finding
            let mut seen: Vec<&str> = Vec::new();
            for u in &p.units {
                if is_known(&u.value) || u.value.contains('$') {
                    continue;
                }
                if seen.contains(&u.value.as_str()) {
                    continue;
                }
                seen.push(u.value.as_str());
                // Free text without a Grafana equivalent is a custom unit
                // ("connections"): Grafana shows it as a suffix, as intended.
                let Some(id) = equivalent(&u.value) else {
                    continue;
                };
                let more = p.units.iter().filter(|o| o.value == u.value).count() - 1;
                let again = match more {
                    0 => String::new(),
                    1 => " (and once more in this panel)".to_string(),
                    n => format!(" (and {n} more times in this panel)"),
                };
                cx.report(
                    &META,
                    u.span.clone(),
                    format!(
                        "unit `{}` of {} is not a Grafana unit id{again}",
                        u.value,
                        p.describe()
                    ),
                )
                .label("unknown unit")
                .help(format!(
                    "Grafana prints an unknown unit as text, without scaling; use `{id}`, which formats and scales the values, or write `suffix:{}` for a plain label",
                    u.value.trim()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_custom_units() {
        assert!(is_known("reqps"));
        assert!(is_known("µs"));
        assert!(is_known("suffix:req"));
        assert!(is_known("si:B"));
        assert!(!is_known("suffix:"));
        assert!(!is_known("requests"));
        assert!(!is_known("Bytes"));
        assert_eq!(equivalent("Bytes"), Some("bytes"));
        assert_eq!(equivalent("ms "), Some("ms"));
        assert_eq!(equivalent("seconds"), Some("s"));
        assert_eq!(equivalent("MB"), Some("decmbytes"));
        assert_eq!(equivalent("bytess"), Some("bytes"));
        assert_eq!(equivalent("connections"), None);
        assert_eq!(equivalent("cpu"), None);
    }

    #[test]
    fn no_duplicate_ids() {
        let mut v = UNITS.to_vec();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), UNITS.len());
    }
}
