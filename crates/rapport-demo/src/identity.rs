//! Contact details that must not collide by accident: every generated e-mail address is unique
//! (a number is appended when a name repeats) and every phone number gets its own serial. Only
//! the planted duplicates share an address or a number, on purpose.

use std::collections::HashSet;

use crate::names::ascii_slug;

/// Hands out unique e-mail addresses and phone serials.
#[derive(Debug, Default)]
pub struct Directory {
    emails: HashSet<String>,
    next_phone: u64,
}

impl Directory {
    /// `first.last@domain` (ASCII), with a number appended if that address is taken.
    pub fn email(&mut self, first: &str, last: &str, domain: &str) -> String {
        let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
        self.claim(&local, domain)
    }

    /// `local@domain`, with a number appended to `local` if that address is taken.
    pub fn claim(&mut self, local: &str, domain: &str) -> String {
        let mut address = format!("{local}@{domain}");
        let mut n = 2;
        while !self.emails.insert(address.clone()) {
            address = format!("{local}{n}@{domain}");
            n += 1;
        }
        address
    }

    /// The serial of the next phone number.
    pub fn phone_serial(&mut self) -> u64 {
        self.next_phone += 1;
        self.next_phone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_get_numbered_addresses() {
        let mut directory = Directory::default();
        assert_eq!(
            directory.email("Anna", "Müller", "mail.example"),
            "anna.mueller@mail.example"
        );
        assert_eq!(
            directory.email("Anna", "Müller", "mail.example"),
            "anna.mueller2@mail.example"
        );
        assert_eq!(
            directory.claim("info", "alpen.example"),
            "info@alpen.example"
        );
        assert_ne!(directory.phone_serial(), directory.phone_serial());
    }
}
