//! Operator branding without a fork: an accent colour, a logo and a footer line, parsed at cold
//! start (a bad value stops the function, naming it). The pages' stylesheet and
//! Content-Security-Policy that follow from them are presentation (`reset_pages::style`), built
//! once and kept here, beside the branding they follow from.
//!
//! The accent must leave white button text readable (WCAG contrast at least 4.5:1, which also
//! keeps accent-coloured links readable on the white card). The logo is an https image, allowed
//! by `img-src` for exactly its origin, or an inline `data:` image; nothing else may load.

use std::sync::OnceLock;

use base64::Engine as _;
use url::Url;

/// The largest inline (`data:`) logo accepted: a small logo. A function's environment holds 4 KB in
/// all, so the template caps `LogoUrl` at this length too (a larger logo is hosted and linked).
pub const MAX_INLINE_LOGO_BYTES: usize = 384;
pub const MAX_FOOTER_CHARS: usize = 200;
/// WCAG 2.x AA for normal text.
const MIN_CONTRAST: f64 = 4.5;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BrandError {
    #[error("must be a colour as #rgb or #rrggbb")]
    NotAColour,
    #[error("{colour} leaves white text at a contrast of {ratio:.1}:1; choose a darker colour (at least 4.5:1)")]
    TooLight { colour: String, ratio: f64 },
    #[error("must be an https URL without credentials, or a data:image/(svg+xml|png|webp);base64 URL")]
    BadLogo,
    #[error("an inline logo may be at most {MAX_INLINE_LOGO_BYTES} bytes")]
    LogoTooLarge,
    #[error("must be at most {MAX_FOOTER_CHARS} characters, without control characters")]
    BadFooter,
}

/// A `#rrggbb` colour dark enough for white text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accent(String);

impl Accent {
    pub fn parse(raw: &str) -> Result<Accent, BrandError> {
        let hex = raw.trim().strip_prefix('#').ok_or(BrandError::NotAColour)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BrandError::NotAColour);
        }
        let full: String = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_owned(),
            _ => return Err(BrandError::NotAColour),
        };
        let colour = format!("#{}", full.to_ascii_lowercase());
        let ratio = contrast_with_white(&full);
        if ratio < MIN_CONTRAST {
            return Err(BrandError::TooLight { colour, ratio });
        }
        Ok(Accent(colour))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// WCAG 2.x contrast ratio of a `rrggbb` colour against white.
fn contrast_with_white(rrggbb: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&rrggbb[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    1.05 / (luminance + 0.05)
}

/// Where the logo comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logo {
    /// An https image; the CSP allows exactly its origin.
    Url(Url),
    /// An inline `data:` image; the CSP allows `data:` images and nothing else loads.
    Inline(String),
}

impl Logo {
    pub fn parse(raw: &str) -> Result<Logo, BrandError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("data:") {
            let (kind, data) = rest.split_once(";base64,").ok_or(BrandError::BadLogo)?;
            if !["image/svg+xml", "image/png", "image/webp"].contains(&kind) {
                return Err(BrandError::BadLogo);
            }
            if raw.len() > MAX_INLINE_LOGO_BYTES {
                return Err(BrandError::LogoTooLarge);
            }
            base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| BrandError::BadLogo)?;
            return Ok(Logo::Inline(raw.to_owned()));
        }
        let url = Url::parse(raw).map_err(|_| BrandError::BadLogo)?;
        if url.scheme() != "https" || url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() {
            return Err(BrandError::BadLogo);
        }
        Ok(Logo::Url(url))
    }

    pub fn src(&self) -> &str {
        match self {
            Logo::Url(url) => url.as_str(),
            Logo::Inline(data) => data,
        }
    }

    /// The CSP source that allows this logo and nothing more.
    pub fn csp_source(&self) -> String {
        match self {
            Logo::Url(url) => url.origin().ascii_serialization(),
            Logo::Inline(_) => "data:".into(),
        }
    }
}

/// A line under every page (a company name, an imprint), plain text.
pub fn parse_footer(raw: &str) -> Result<String, BrandError> {
    let footer = raw.trim();
    if footer.chars().count() > MAX_FOOTER_CHARS || footer.chars().any(char::is_control) {
        return Err(BrandError::BadFooter);
    }
    Ok(footer.to_owned())
}

/// What an operator may set, beside the application name and support contact.
#[derive(Debug, Clone, Default)]
pub struct Branding {
    pub accent: Option<Accent>,
    pub logo: Option<Logo>,
    pub footer: Option<String>,
    style: OnceLock<PageStyle>,
}

/// The pages' stylesheet with the branding applied, and the policy that allows exactly it: built
/// by the presentation from its assets ([`Branding::style_with`]).
#[derive(Debug, Clone)]
pub struct PageStyle {
    pub css: String,
    pub csp: String,
}

/// The colour of buttons and links, when the operator sets none.
pub const DEFAULT_ACCENT: &str = "#0b57d0";

impl Branding {
    pub fn new(accent: Option<Accent>, logo: Option<Logo>, footer: Option<String>) -> Self {
        Branding { accent, logo, footer: footer.filter(|f| !f.is_empty()), style: OnceLock::new() }
    }

    /// The accent for mails, which have no dark mode.
    pub fn accent(&self) -> &str {
        self.accent.as_ref().map_or(DEFAULT_ACCENT, Accent::as_str)
    }

    /// The page style, built by `build` on its first use and kept for the process (a new
    /// `Branding` starts without one). `reset_pages::style` builds it from the page assets.
    pub fn style_with(&self, build: impl FnOnce(&Branding) -> PageStyle) -> &PageStyle {
        self.style.get_or_init(|| build(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_are_hex_colours_dark_enough_for_white_text() {
        assert_eq!(Accent::parse("#0B57D0").unwrap().as_str(), "#0b57d0");
        assert_eq!(Accent::parse("#036").unwrap().as_str(), "#003366");
        assert!(matches!(Accent::parse("#ffee00"), Err(BrandError::TooLight { .. })), "yellow: white text unreadable");
        assert!(matches!(Accent::parse("#777777"), Err(BrandError::TooLight { .. })), "4.48:1, just under AA");
        assert!(Accent::parse("#767676").is_ok(), "4.54:1, just over AA");
        for hostile in ["red", "0b57d0", "#0b57d", "#0b57d0;}body{display:none", "#0b57d0 !important", "#ggg", "", "#"] {
            assert_eq!(Accent::parse(hostile), Err(BrandError::NotAColour), "{hostile:?}");
        }
    }

    #[test]
    fn logos_are_https_or_inline_images_and_the_policy_allows_exactly_them() {
        let url = Logo::parse("https://cdn.example.com/brand/logo.svg").unwrap();
        assert_eq!(url.csp_source(), "https://cdn.example.com");
        let port = Logo::parse("https://cdn.example.com:8443/logo.png").unwrap();
        assert_eq!(port.csp_source(), "https://cdn.example.com:8443");
        let svg = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode("<svg xmlns='http://www.w3.org/2000/svg'/>"));
        assert_eq!(Logo::parse(&svg).unwrap().csp_source(), "data:");
        for bad in [
            "http://cdn.example.com/logo.svg",
            "https://user:pw@cdn.example.com/logo.svg",
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "data:image/png;base64,not base64!",
            "//cdn.example.com/logo.svg",
            "logo.svg",
        ] {
            assert_eq!(Logo::parse(bad), Err(BrandError::BadLogo), "{bad}");
        }
        let huge = format!("data:image/png;base64,{}", "A".repeat(MAX_INLINE_LOGO_BYTES));
        assert_eq!(Logo::parse(&huge), Err(BrandError::LogoTooLarge));
    }

    #[test]
    fn mails_take_the_accent_or_the_default_and_the_footer_is_one_plain_line() {
        let branded = Branding::new(Some(Accent::parse("#7b1fa2").unwrap()), None, None);
        assert_eq!(branded.accent(), "#7b1fa2");
        assert_eq!(Branding::default().accent(), DEFAULT_ACCENT);
        assert_eq!(parse_footer("  Example GmbH · Berlin  ").unwrap(), "Example GmbH · Berlin");
        assert_eq!(parse_footer("a\nb"), Err(BrandError::BadFooter));
        assert_eq!(parse_footer(&"x".repeat(201)), Err(BrandError::BadFooter));
    }
}
