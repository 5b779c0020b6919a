//! Facts of the pass system that the central API and every station check the
//! same way: company tax IDs (統一編號), masked national IDs, port codes, and
//! the password rules.
//!
//! These live beside the wire types because both ends need them: the
//! simulator generates valid tax IDs with [`TaxId::parse`], and a station
//! refuses an item whose tax ID fails it.

use std::fmt;

/// A company's 8-digit unified business number (統一編號), check digit verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxId(String);

/// Why a text is not a valid tax ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxIdError {
    #[error("tax ID {0:?} must be exactly 8 digits")]
    Format(String),
    #[error("tax ID {0:?} fails its check digit (mistyped digit?)")]
    CheckDigit(String),
}

impl TaxId {
    /// Parses and checks a tax ID by the Ministry of Finance rule: digits
    /// weighted 1,2,1,2,1,2,4,1, each product's digits summed; the total must be
    /// divisible by 5 (the 2023 rule, which accepts every number the older
    /// divisible-by-10 rule did). When the 7th digit is 7 its product, 28, sums
    /// to 10, which counts as either 1 or 0.
    pub fn parse(text: &str) -> Result<TaxId, TaxIdError> {
        let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != 8 || text.len() != 8 {
            return Err(TaxIdError::Format(text.to_owned()));
        }
        const WEIGHTS: [u32; 8] = [1, 2, 1, 2, 1, 2, 4, 1];
        let digit_sum = |n: u32| n / 10 + n % 10;
        let total: u32 = digits
            .iter()
            .zip(WEIGHTS)
            .enumerate()
            .map(|(i, (d, w))| if i == 6 && *d == 7 { 0 } else { digit_sum(d * w) })
            .sum();
        let valid = total.is_multiple_of(5) || (digits[6] == 7 && (total + 1).is_multiple_of(5));
        if valid {
            Ok(TaxId(text.to_owned()))
        } else {
            Err(TaxIdError::CheckDigit(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A national ID number with its middle four characters hidden, `A12****789`.
///
/// The station never holds a full national ID: the law asks for the least data
/// that does the job, and a clerk comparing an ID card needs only the ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MaskedNationalId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "national ID {shown:?} is not a capital letter followed by 9 digits (a resident certificate has a second letter); check it against the ID card"
)]
pub struct NationalIdError {
    /// The input, already masked if it was long enough, so the error can be logged.
    shown: String,
}

impl MaskedNationalId {
    /// Masks a full ID (`A123456789` or a resident certificate number such as
    /// `AC01234567`), or accepts one already masked.
    pub fn mask(text: &str) -> Result<MaskedNationalId, NationalIdError> {
        let chars: Vec<char> = text.trim().chars().collect();
        let well_formed = chars.len() == 10
            && chars[0].is_ascii_uppercase()
            && chars[1].is_ascii_alphanumeric()
            && chars[2..]
                .iter()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || ((3..7).contains(&(i + 2)) && *c == '*'));
        if !well_formed {
            let shown = if chars.len() > 6 {
                format!(
                    "{}****{}",
                    chars[..2].iter().collect::<String>(),
                    chars[chars.len() - 2..].iter().collect::<String>()
                )
            } else {
                "****".to_owned()
            };
            return Err(NationalIdError { shown });
        }
        let masked: String = chars
            .iter()
            .enumerate()
            .map(|(i, c)| if (3..7).contains(&i) { '*' } else { *c })
            .collect();
        Ok(MaskedNationalId(masked))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MaskedNationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A commercial port with a card office, by its UN/LOCODE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// The ports the pass system covers. A pass names one or more of them, and its
/// pickup office is one of them.
pub const PORTS: &[Port] = &[
    Port {
        code: "TWKEL",
        name_zh: "基隆港",
        name_en: "Keelung",
    },
    Port {
        code: "TWTPE",
        name_zh: "臺北港",
        name_en: "Taipei",
    },
    Port {
        code: "TWSUO",
        name_zh: "蘇澳港",
        name_en: "Su-ao",
    },
    Port {
        code: "TWTXG",
        name_zh: "臺中港",
        name_en: "Taichung",
    },
    Port {
        code: "TWKHH",
        name_zh: "高雄港",
        name_en: "Kaohsiung",
    },
    Port {
        code: "TWAPG",
        name_zh: "安平港",
        name_en: "Anping",
    },
    Port {
        code: "TWHUN",
        name_zh: "花蓮港",
        name_en: "Hualien",
    },
];

/// Looks a port up by its code.
pub fn port(code: &str) -> Option<&'static Port> {
    PORTS.iter().find(|p| p.code == code)
}

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// One of the password rules a password can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    MinLength,
    UpperCase,
    LowerCase,
    Digit,
    Special,
}

/// Why a password breaks the port portal's rules: every rule it breaks, in
/// one sentence that says what a password needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the password needs at least {MIN_PASSWORD_CHARS} characters, an upper-case letter, a lower-case letter, \
     a digit and a special character; this one {}",
    shortfall(.broken)
)]
pub struct PasswordRuleError {
    /// The rules broken, in the order the sentence names them.
    pub broken: Vec<PasswordRule>,
}

/// "is shorter than 8 characters and lacks a digit and a special character".
fn shortfall(broken: &[PasswordRule]) -> String {
    let lacks: Vec<&str> = broken
        .iter()
        .filter_map(|rule| match rule {
            PasswordRule::MinLength => None,
            PasswordRule::UpperCase => Some("an upper-case letter"),
            PasswordRule::LowerCase => Some("a lower-case letter"),
            PasswordRule::Digit => Some("a digit"),
            PasswordRule::Special => Some("a special character"),
        })
        .collect();
    let lacks = match lacks.split_last() {
        None => String::new(),
        Some((last, [])) => format!("lacks {last}"),
        Some((last, rest)) => format!("lacks {} and {last}", rest.join(", ")),
    };
    match (broken.contains(&PasswordRule::MinLength), lacks.is_empty()) {
        (true, true) => format!("is shorter than {MIN_PASSWORD_CHARS} characters"),
        (true, false) => format!("is shorter than {MIN_PASSWORD_CHARS} characters and {lacks}"),
        (false, _) => lacks,
    }
}

/// Checks a password against the port portal's rules: at least
/// [`MIN_PASSWORD_CHARS`] characters, with an upper-case letter, a lower-case
/// letter, a digit and a special character.
///
/// Letters, digits and special characters are ASCII ones (a special character
/// is ASCII punctuation or a symbol, such as `!`, `#` or `~`): the same
/// password must be typeable on every station's keyboard, without an input
/// method. Other characters (a space, 港, é) count towards the length only.
pub fn check_password_rules(password: &str) -> Result<(), PasswordRuleError> {
    let has = |class: fn(&char) -> bool| password.chars().any(|c| class(&c));
    let rules = [
        (PasswordRule::MinLength, password.chars().count() >= MIN_PASSWORD_CHARS),
        (PasswordRule::UpperCase, has(char::is_ascii_uppercase)),
        (PasswordRule::LowerCase, has(char::is_ascii_lowercase)),
        (PasswordRule::Digit, has(char::is_ascii_digit)),
        (PasswordRule::Special, has(char::is_ascii_punctuation)),
    ];
    let broken: Vec<PasswordRule> = rules
        .into_iter()
        .filter(|(_, kept)| !kept)
        .map(|(rule, _)| rule)
        .collect();
    if broken.is_empty() {
        Ok(())
    } else {
        Err(PasswordRuleError { broken })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tax_ids_pass_and_a_changed_digit_fails() {
        for good in ["22099131", "04595257"] {
            assert_eq!(TaxId::parse(good).map(|t| t.to_string()), Ok(good.to_owned()));
        }
        assert_eq!(TaxId::parse("22099132"), Err(TaxIdError::CheckDigit("22099132".into())));
        assert_eq!(TaxId::parse("2209913"), Err(TaxIdError::Format("2209913".into())));
        assert_eq!(TaxId::parse("2209913a"), Err(TaxIdError::Format("2209913a".into())));
        assert_eq!(
            TaxId::parse("２２０９９１３１"),
            Err(TaxIdError::Format("２２０９９１３１".into()))
        );
    }

    #[test]
    fn seventh_digit_seven_counts_either_way() {
        // 1,2,3,4,5,6,7,d: sums without the 7th term are 1+4+3+8+5+(1+2)=24, plus d.
        // 24+d+1 divisible by 5 (the "1" reading) for d=0 and d=5; 24+d (the "0" reading) for d=1, 6.
        let valid: Vec<u32> = (0..10)
            .filter(|d| TaxId::parse(&format!("1234567{d}")).is_ok())
            .collect();
        assert_eq!(valid, vec![0, 1, 5, 6]);
    }

    #[test]
    fn national_ids_are_masked_and_masked_ones_kept() {
        assert_eq!(
            MaskedNationalId::mask("A123456789").map(|m| m.to_string()),
            Ok("A12****789".into())
        );
        assert_eq!(
            MaskedNationalId::mask("AC01234567").map(|m| m.to_string()),
            Ok("AC0****567".into())
        );
        assert_eq!(
            MaskedNationalId::mask("A12****789").map(|m| m.to_string()),
            Ok("A12****789".into())
        );
        let err = MaskedNationalId::mask("a123456789x").expect_err("lower case and too long");
        assert!(
            !err.to_string().contains("3456"),
            "the error must not show the middle digits: {err}"
        );
        assert!(MaskedNationalId::mask("A1*3456789").is_err());
    }

    #[test]
    fn a_password_with_every_class_passes() {
        for good in ["Keelung#2026", "aB3$efgh", "Pass 港 w0rd~"] {
            assert_eq!(check_password_rules(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn a_weak_password_is_told_everything_it_lacks_at_once() {
        let err = check_password_rules("Keelungport").expect_err("no digit, no special");
        assert_eq!(err.broken, [PasswordRule::Digit, PasswordRule::Special]);
        assert_eq!(
            err.to_string(),
            "the password needs at least 8 characters, an upper-case letter, a lower-case letter, a digit and a \
             special character; this one lacks a digit and a special character"
        );
        let err = check_password_rules("ab").expect_err("short, and more");
        assert!(
            err.to_string().ends_with(
                "this one is shorter than 8 characters and lacks an upper-case letter, a digit and a special character"
            ),
            "{err}"
        );
        let err = check_password_rules("aB3$efg").expect_err("one character short");
        assert!(
            err.to_string().ends_with("this one is shorter than 8 characters"),
            "{err}"
        );
        assert!(check_password_rules("").is_err());
    }

    #[test]
    fn only_ascii_letters_digits_and_symbols_count_as_classes() {
        // Full-width letters and digits, an accented capital, a Chinese comma and a space.
        let err = check_password_rules("ＡＢＣ１２３Éabc，x y").expect_err("only lower case counts");
        assert_eq!(
            err.broken,
            [PasswordRule::UpperCase, PasswordRule::Digit, PasswordRule::Special]
        );
    }

    #[test]
    fn ports_are_found_by_code() {
        assert_eq!(port("TWKHH").map(|p| p.name_zh), Some("高雄港"));
        assert!(port("XXXXX").is_none());
    }
}
