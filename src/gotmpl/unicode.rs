//! Go's `unicode` character classes that the template language and Sprig's
//! functions depend on: a template identifier is Go letters and digits, and
//! Sprig's string functions classify characters the same way.

use unicode_general_category::{GeneralCategory, get_general_category};

/// Go's `unicode.IsDigit`: decimal digits only (category Nd), not other numerals.
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
        || (!c.is_ascii() && get_general_category(c) == GeneralCategory::DecimalNumber)
}

/// Go's `unicode.IsLetter`: categories Lu, Ll, Lt, Lm and Lo.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
    )
}
