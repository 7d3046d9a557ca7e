//! The pages' one inline stylesheet and one small script, and what follows from them and the
//! operator's branding (`reset_core::settings::branding`): the stylesheet with the accent applied and the
//! Content-Security-Policy that allows exactly it, the script, and the logo. Built once per
//! `Branding`, which keeps it.

use base64::Engine as _;
use reset_core::settings::branding::{Branding, PageStyle};
use sha2::{Digest, Sha256};

pub struct Assets {
    pub css: &'static str,
    pub js: &'static str,
}

pub static ASSETS: Assets = Assets { css: include_str!("../assets/page.css"), js: include_str!("../assets/page.js") };

/// The stylesheet and policy for `branding`, built on first use.
pub fn page_style(branding: &Branding) -> &PageStyle {
    branding.style_with(build)
}

fn build(branding: &Branding) -> PageStyle {
    let base = ASSETS.css;
    // Later and as specific as the defaults, so it wins in light and dark mode, with white
    // text on it; dark mode keeps its own link colour (`--link`), which a dark accent
    // would make unreadable on a dark card.
    let css = match &branding.accent {
        Some(accent) => format!("{base}:root{{--accent:{};--on-accent:#fff}}\n", accent.as_str()),
        None => base.to_owned(),
    };
    let img = branding.logo.as_ref().map(|logo| format!("img-src {}; ", logo.csp_source())).unwrap_or_default();
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; {img}form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        csp_hash(&css),
        csp_hash(ASSETS.js)
    );
    PageStyle { css, csp }
}

fn csp_hash(source: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(source.as_bytes())))
}

#[cfg(test)]
mod tests {
    use reset_core::settings::branding::{Accent, Logo};

    use super::*;

    #[test]
    fn the_style_and_its_policy_follow_the_branding() {
        let plain = Branding::default();
        assert_eq!(page_style(&plain).css, ASSETS.css);
        assert!(!page_style(&plain).csp.contains("img-src"), "no logo, no images: {}", page_style(&plain).csp);
        let branded = Branding::new(Some(Accent::parse("#7b1fa2").unwrap()), Some(Logo::parse("https://cdn.example.com/l.svg").unwrap()), None);
        let style = page_style(&branded);
        assert!(style.css.ends_with(":root{--accent:#7b1fa2;--on-accent:#fff}\n"), "{}", style.css);
        assert!(style.csp.contains(&csp_hash(&style.css)), "the policy allows the stylesheet served: {}", style.csp);
        assert!(style.csp.contains(&csp_hash(ASSETS.js)), "and the script: {}", style.csp);
        assert!(style.csp.contains("img-src https://cdn.example.com; "), "{}", style.csp);
    }
}
