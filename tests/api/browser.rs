//! The whole journey in headless Chromium (Debian's chromium + chromium-driver), against the
//! functions under `cargo lambda watch` and moto: forgot-password form, the emailed link (opened
//! by mail scanners first, then clicked from another site, then typed), the reset form's errors,
//! success, and the dead link. Every page is saved as a screenshot under `target/screenshots/`.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use reset_core::domain::password;
use reset_local::process::{Managed, wait_until};
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER_ID};
use reset_local::{on_a_free_port, workspace_root};
use serde_json::json;

use crate::helpers::{LocalApi, NEW_PASSWORD};

struct Browser {
    client: Client,
    _driver: Managed,
    shots: std::path::PathBuf,
}

impl Browser {
    async fn start() -> Browser {
        Browser::start_speaking("en-US,en").await
    }

    /// A browser whose user prefers `accept_languages` (Chromium's `intl.accept_languages`,
    /// which it sends as `Accept-Language`).
    async fn start_speaking(accept_languages: &str) -> Browser {
        // (On a port someone takes first, chromedriver exits and is started again on another.)
        let (port, driver) = on_a_free_port("chromedriver", |port| {
            let mut cmd = Command::new("chromedriver");
            cmd.arg(format!("--port={port}"));
            let log = workspace_root().join(format!("target/test-logs/chromedriver-{port}.log"));
            let mut driver = Managed::spawn("chromedriver", cmd, &log).expect("chromedriver is installed (scripts/setup installs Debian's chromium-driver)");
            wait_until(&mut driver, Duration::from_secs(20), |driver| driver.listens_on(port))?;
            Ok((port, driver))
        })
        .unwrap();

        let profile = workspace_root().join(format!("target/test-logs/chromium-profile-{port}"));
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--window-size=900,1000".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let prefs = json!({ "intl": { "accept_languages": accept_languages } });
        let caps = json!({ "browserName": "chrome", "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args, "prefs": prefs } });
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        let shots = workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Browser { client, _driver: driver, shots }
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// Waits until the page's heading is `expected` (pages load after a click), then returns the page text.
    async fn expect_heading(&self, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let heading = match self.client.find(Locator::Css("h1")).await {
                Ok(h1) => h1.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if heading == expected {
                // The page may navigate between the two reads (the hop page refreshes itself):
                // a stale body is "not yet", like a missing heading.
                let body = async { self.client.find(Locator::Css("body")).await?.text().await }.await;
                if let Ok(body) = body {
                    return body;
                }
            }
            assert!(Instant::now() < deadline, "expected the page {expected:?}, saw {heading:?} at {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn url(&self) -> String {
        self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    async fn set_passwords(&self, password: &str, again: &str) {
        self.type_into("#password", password).await;
        self.type_into("#confirm", again).await;
        self.click("button[type=submit]").await;
    }
}

/// A one-page "webmail" on another site (localhost vs 127.0.0.1) that links to the reset URL, so
/// the click is a cross-site navigation as from a real mail client.
fn serve_webmail(link: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://localhost:{}/inbox", listener.local_addr().unwrap().port());
    let page = format!("<!DOCTYPE html><title>Inbox</title><a id=\"reset\" href=\"{link}\">Choose a new password</a>");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(4) {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", page.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(page.as_bytes()));
        }
    });
    url
}

/// What a mail scanner does with a link: fetch it, follow nothing, keep nothing.
fn scanner_fetch(method: &str, url: &str) -> u16 {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent();
    let response = match method {
        "HEAD" => agent.head(url).call(),
        _ => agent.get(url).call(),
    };
    response.expect("the local API answers").status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_journey_in_a_real_browser() {
    // LOGIN_URL must be known before the port is: point it at a path the test can recognise.
    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[("LOGIN_URL", "https://app.example.com/login")]).await;
    let browser = Browser::start().await;

    // 1. Forgot-password form → the fixed "check your inbox" page.
    browser.client.goto(&format!("{api}/forgot-password")).await.unwrap();
    browser.expect_heading("Forgot your password?").await;
    browser.screenshot("01-forgot-password").await;
    browser.type_into("#email", "not an email").await;
    browser.click("button[type=submit]").await;
    let page = browser.expect_heading("Forgot your password?").await;
    assert!(page.contains("Enter a valid email address"), "{page}");
    browser.screenshot("02-forgot-password-invalid-email").await;
    browser.type_into("#email", DEMO_EMAIL).await;
    browser.click("button[type=submit]").await;
    let page = browser.expect_heading("Check your inbox").await;
    assert!(page.contains("expires in 30 minutes"), "{page}");
    browser.screenshot("03-check-your-inbox").await;

    // 2. The mail (queued, then sent by the mail worker), read back from moto.
    let mails = stack.mails_eventually(1).unwrap();
    assert_eq!(mails.len(), 1, "one mail");
    let link = mails[0].reset_link().expect("a reset link");
    assert!(link.starts_with(&format!("{api}/reset-password?lang=en&token=")), "{link}");

    // 3. Mail scanners open the link first, twice, with GET and HEAD: nothing is consumed. They
    //    send no Sec-Fetch-Site, so they get the hop page (200), as old browsers do.
    for method in ["HEAD", "GET", "HEAD", "GET"] {
        assert_eq!(scanner_fetch(method, &link), 200, "{method}");
    }

    // 4. The user clicks the link in their webmail (another site): they reach the form.
    browser.client.goto(&serve_webmail(&link)).await.unwrap();
    browser.click("#reset").await;
    browser.expect_heading("Choose a new password").await;
    assert_eq!(browser.url().await, format!("{api}/reset-password?lang=en"), "the token left the address bar (the mail's language stays)");
    browser.client.delete_all_cookies().await.unwrap();

    // 5. Opened directly: the token leaves the address bar too.
    browser.client.goto(&link).await.unwrap();
    browser.expect_heading("Choose a new password").await;
    assert_eq!(browser.url().await, format!("{api}/reset-password?lang=en"), "no token in the address bar");
    browser.screenshot("04-choose-a-new-password").await;

    // The show-password toggle (progressive enhancement) reveals both fields.
    browser.type_into("#password", "peek-a-boo").await;
    for (pressed, expected) in [("shown", "text"), ("hidden again", "password")] {
        browser.click("button.toggle").await;
        for field in ["#password", "#confirm"] {
            let kind = browser.client.find(Locator::Css(field)).await.unwrap().attr("type").await.unwrap();
            assert_eq!(kind.as_deref(), Some(expected), "{field} after the toggle: {pressed}");
        }
    }

    // 6. Mismatched passwords, then a too-short one: the form says why, nothing changes.
    browser.set_passwords(NEW_PASSWORD, "something else entirely").await;
    let page = browser.expect_heading("Choose a new password").await;
    assert!(page.contains("The two passwords are not the same"), "{page}");
    browser.screenshot("05-passwords-do-not-match").await;
    browser.set_passwords("short", "short").await;
    let page = browser.expect_heading("Choose a new password").await;
    assert!(page.contains("Use at least 12 characters; this one has 5."), "{page}");
    browser.screenshot("06-password-too-short").await;
    assert!(password::verify(DEMO_PASSWORD, &stack.password_hash(DEMO_USER_ID).await.unwrap()), "nothing changed yet");

    // 7. A good password: success, with the way to sign in.
    browser.set_passwords(NEW_PASSWORD, NEW_PASSWORD).await;
    browser.expect_heading("Your password has been changed").await;
    let sign_in = browser.client.find(Locator::Css("a.button")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(sign_in.as_deref(), Some("https://app.example.com/login"));
    browser.screenshot("07-password-changed").await;
    assert!(password::verify(NEW_PASSWORD, &stack.password_hash(DEMO_USER_ID).await.unwrap()), "the new hash verifies");

    // 8. The same link again: plainly dead, with the way to a new one.
    browser.client.goto(&link).await.unwrap();
    browser.expect_heading("This link is invalid or has expired").await;
    let again = browser.client.find(Locator::Css("a.button")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(again, Some(format!("{api}/forgot-password?lang=en")));
    browser.screenshot("08-link-invalid-or-expired").await;

    browser.client.close().await.unwrap();
}

/// Asks for a reset link for `email` through the JSON API.
fn ask_for_link(api: &str, email: &str) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let reply = agent.post(format!("{api}/password-reset/request")).send_json(json!({ "email": email })).expect("the local API answers");
    assert_eq!(reply.status().as_u16(), 202);
}

impl Browser {
    /// The value of the reset cookie the browser holds now (WebDriver sees HttpOnly cookies).
    async fn reset_cookie(&self) -> Option<String> {
        self.client.get_named_cookie("__Host-reset_token").await.ok().map(|c| c.value().to_owned())
    }
}

/// Issue 19's reset fixation in Chromium, whose cookies are the real thing: a `SameSite=Strict`
/// cookie is not sent on a navigation that began on another site. The victim holds a live reset
/// for their account (d•••) and clicks the attacker's own link (k•••) in webmail: the hop page
/// sets no cookie, its same-site step carries the victim's cookie and asks, naming both; the
/// victim's cookie stays. `switch=1` put into the attacker's URL asks all the same, and another
/// site opening the page bare cannot clear the victim's cookie first. When another
/// tab does switch (the question's own Continue), the victim's form in the first tab, shown for
/// their link, is refused and no password changes.
#[tokio::test(flavor = "multi_thread")]
async fn a_webmail_click_on_an_attackers_link_cannot_fixate_a_reset_in_a_real_browser() {
    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[]).await;
    stack.put_user("u-attacker", "kim@example.com", DEMO_PASSWORD, None).await.unwrap();
    ask_for_link(&api, DEMO_EMAIL);
    ask_for_link(&api, "kim@example.com");
    let mails = stack.mails_eventually(2).unwrap();
    let link_to = |email: &str| mails.iter().find(|m| m.destinations.to.iter().any(|to| to == email)).and_then(|m| m.reset_link()).expect("a link");
    let (victims, attackers) = (link_to(DEMO_EMAIL), link_to("kim@example.com"));
    let token = |link: &str| link.split("token=").nth(1).unwrap().to_owned();
    let (victim_mask, attacker_mask) = ("d\u{2022}\u{2022}\u{2022}@example.com", "k\u{2022}\u{2022}\u{2022}@example.com");
    let browser = Browser::start().await;

    // The victim's own reset, live in this browser.
    browser.client.goto(&victims).await.unwrap();
    let form = browser.expect_heading("Choose a new password").await;
    assert!(form.contains(victim_mask), "{form}");
    assert_eq!(browser.reset_cookie().await, Some(token(&victims)));

    // The attacker's link clicked in webmail, then the same with `switch=1` added: the question,
    // naming both, and the victim's cookie stays.
    for (n, link) in [attackers.clone(), format!("{attackers}&switch=1")].iter().enumerate() {
        browser.client.goto(&serve_webmail(link)).await.unwrap();
        browser.click("#reset").await;
        let asked = browser.expect_heading("Reset another account's password?").await;
        assert!(asked.contains(victim_mask) && asked.contains(attacker_mask), "both accounts, masked: {asked}");
        assert_eq!(browser.reset_cookie().await, Some(token(&victims)), "the victim's reset stays");
        if n == 0 {
            browser.screenshot("13-reset-another-account").await;
        }
    }

    // Another site opening the page bare, where no Strict cookie comes along, cannot end the
    // victim's reset (so that the attacker's link would then go through without the question).
    browser.client.goto(&serve_webmail(&format!("{api}/reset-password"))).await.unwrap();
    browser.click("#reset").await;
    browser.expect_heading("This link is invalid or has expired").await;
    assert_eq!(browser.reset_cookie().await, Some(token(&victims)), "the victim's reset survives a cross-site visit");
    browser.client.goto(&serve_webmail(&attackers)).await.unwrap();
    browser.click("#reset").await;
    browser.expect_heading("Reset another account's password?").await;

    // The victim's form in this tab; in another, the question answered: the cookie is swapped.
    browser.client.goto(&format!("{api}/reset-password?lang=en")).await.unwrap();
    let form = browser.expect_heading("Choose a new password").await;
    assert!(form.contains(victim_mask), "{form}");
    let first = browser.client.window().await.unwrap();
    let second = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(second).await.unwrap();
    browser.client.goto(&serve_webmail(&attackers)).await.unwrap();
    browser.click("#reset").await;
    browser.expect_heading("Reset another account's password?").await;
    browser.click("a.button").await;
    let swapped = browser.expect_heading("Choose a new password").await;
    assert!(swapped.contains(attacker_mask), "{swapped}");
    assert_eq!(browser.reset_cookie().await, Some(token(&attackers)));

    // Back in the first tab, the victim submits the form shown for their own link.
    browser.client.switch_to_window(first).await.unwrap();
    browser.set_passwords(NEW_PASSWORD, NEW_PASSWORD).await;
    let refused = browser.expect_heading("This form was for another link").await;
    assert!(refused.contains(attacker_mask), "names the account the browser holds now: {refused}");
    browser.screenshot("14-form-for-another-link").await;
    for id in [DEMO_USER_ID, "u-attacker"] {
        assert!(password::verify(DEMO_PASSWORD, &stack.password_hash(id).await.unwrap()), "{id}: nothing changed");
    }
    browser.client.close().await.unwrap();
}

/// An operator's branding as a browser renders it: the inline logo loads under the CSP (its
/// natural width is only known once the image is allowed and decoded), the buttons take the
/// accent, the footer line shows. The screenshot is the one in docs/languages.md.
#[tokio::test(flavor = "multi_thread")]
async fn branding_renders_in_a_real_browser() {
    use base64::Engine as _;
    let svg = "<svg xmlns='http://www.w3.org/2000/svg' width='180' height='40'><rect width='40' height='40' rx='8' fill='#7b1fa2'/><text x='52' y='28' font-family='sans-serif' font-size='22' fill='#7b1fa2'>Example</text></svg>";
    let logo = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg));
    let branding = [("ACCENT_COLOR", "#7b1fa2"), ("LOGO_URL", logo.as_str()), ("FOOTER_TEXT", "Example GmbH · Friedrichstraße 1 · Berlin")];
    let LocalApi { url: api, watch: _watch, pump: _pump, .. } = LocalApi::start(&branding).await;
    let browser = Browser::start().await;
    browser.client.goto(&format!("{api}/forgot-password")).await.unwrap();
    let text = browser.expect_heading("Forgot your password?").await;
    assert!(text.contains("Example GmbH · Friedrichstraße 1 · Berlin"), "{text}");
    let rendered = browser
        .client
        .execute(
            "const logo = document.querySelector('img.logo');
             const button = document.querySelector('button[type=submit]');
             return [logo ? logo.naturalWidth : -1, getComputedStyle(button).backgroundColor, getComputedStyle(button).color];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(rendered, json!([180, "rgb(123, 31, 162)", "rgb(255, 255, 255)"]), "logo loaded, accent applied");
    browser.screenshot("09-branded-forgot-password").await;
}

/// What a page looks like to the layout: its language and direction, whether anything is wider
/// than the window (a long German word on a phone), and which side the heading's first line
/// sits against.
async fn layout(browser: &Browser) -> serde_json::Value {
    browser
        .client
        .execute(
            "const html = document.documentElement, main = document.querySelector('main').getBoundingClientRect();
             const text = document.createRange(); text.selectNodeContents(document.querySelector('h1'));
             const h1 = text.getClientRects()[0];
             const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left < -1).map(e => e.tagName);
             return { lang: html.lang, dir: getComputedStyle(html).direction, overflow: html.scrollWidth > window.innerWidth, wide: wide,
                      start: (main.right - h1.right) < (h1.left - main.left) ? 'right' : 'left', width: window.innerWidth };",
            vec![],
        )
        .await
        .unwrap()
}

/// The journey in German (the browser's language), Japanese and Arabic (chosen with `?lang=`),
/// on a 320-pixel-wide phone: every page in the language, the mail and its link in it, the
/// layout mirrored for Arabic, nothing wider than the screen. The screenshots are the ones in docs/languages.md.
#[tokio::test(flavor = "multi_thread")]
async fn the_journey_in_german_japanese_and_arabic_on_a_small_phone() {
    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[("RATE_LIMIT_EMAIL_PER_MINUTE", "10")]).await;
    // (browser language, ?lang=, the forgot page's heading, the form's, the too-short reason, the success page's, direction, screenshot)
    let journeys = [
        (
            "de-DE,de",
            None,
            "Passwort vergessen?",
            "Neues Passwort festlegen",
            "Verwenden Sie mindestens 12 Zeichen; dieses hat 5.",
            "Ihr Passwort wurde geändert",
            "ltr",
            "10-german",
        ),
        (
            "en-US,en",
            Some("ja"),
            "パスワードをお忘れですか？",
            "新しいパスワードを設定",
            "12文字以上にしてください（現在 5文字）。",
            "パスワードを変更しました",
            "ltr",
            "11-japanese",
        ),
        (
            "en-US,en",
            Some("ar"),
            "هل نسيت كلمة المرور؟",
            "اختر كلمة مرور جديدة",
            "استخدم 12 حرفًا على الأقل؛ هذه فيها 5.",
            "تم تغيير كلمة المرور",
            "rtl",
            "12-arabic",
        ),
    ];
    let mut passwords = vec![DEMO_PASSWORD.to_owned()];
    for (n, (accept, lang, forgot, form, too_short, changed, dir, shot)) in journeys.into_iter().enumerate() {
        let browser = Browser::start_speaking(accept).await;
        browser.client.set_window_size(320, 900).await.unwrap();
        let query = lang.map(|l| format!("?lang={l}")).unwrap_or_default();
        let tag = lang.unwrap_or("de");

        browser.client.goto(&format!("{api}/forgot-password{query}")).await.unwrap();
        browser.expect_heading(forgot).await;
        let seen = layout(&browser).await;
        assert_eq!((seen["lang"].as_str(), seen["dir"].as_str()), (Some(tag), Some(dir)), "{shot}: {seen}");
        assert_eq!(seen["overflow"], false, "{shot}: the forgot page fits 320 px: {seen}");
        assert_eq!(seen["start"], if dir == "rtl" { "right" } else { "left" }, "{shot}: the heading starts on the reading side: {seen}");
        browser.screenshot(&format!("{shot}-1-forgot-password")).await;
        browser.type_into("#email", DEMO_EMAIL).await;
        browser.click("button[type=submit]").await;
        browser.expect_heading(&reset_text::Msg::new("inbox-title").text(reset_text::Locale::matching(tag).unwrap())).await;

        // Each journey before this one left two mails (its link, its changed notice).
        let mails = stack.mails_eventually(2 * n + 1).unwrap();
        let mail = mails.iter().find(|m| m.reset_link().is_some_and(|l| l.contains(&format!("lang={tag}&")))).expect("this journey's reset mail");
        assert!(mail.body.contains(&format!("<html lang=\"{tag}\" dir=\"{dir}\">")), "{shot}: the mail is in the page's language");
        let link = mail.reset_link().expect("a reset link");
        assert!(link.contains(&format!("lang={tag}&token=")), "{shot}: {link}");

        browser.client.goto(&link).await.unwrap();
        browser.expect_heading(form).await;
        browser.set_passwords("short", "short").await;
        // (Right-to-left text isolates its placeables: FSI ... PDI around each number.)
        let page = browser.expect_heading(form).await.replace(['\u{2068}', '\u{2069}'], "");
        assert!(page.contains(too_short), "{shot}: {page}");
        let seen = layout(&browser).await;
        assert_eq!(seen["overflow"], false, "{shot}: the form with its errors fits 320 px: {seen}");
        assert_eq!(seen["dir"].as_str(), Some(dir), "{shot}");
        browser.screenshot(&format!("{shot}-2-password-too-short")).await;

        let new_password = format!("{NEW_PASSWORD} {n}");
        browser.set_passwords(&new_password, &new_password).await;
        browser.expect_heading(changed).await;
        assert_eq!(layout(&browser).await["overflow"], false, "{shot}: the success page fits 320 px");
        browser.screenshot(&format!("{shot}-3-password-changed")).await;
        passwords.push(new_password);
        browser.client.close().await.unwrap();
    }
    let hash = stack.password_hash(DEMO_USER_ID).await.unwrap();
    assert!(password::verify(passwords.last().unwrap(), &hash), "the last journey's password is the account's");
}

/// Confirms a reset through the JSON API with the token of `link`.
fn confirm_link(api: &str, link: &str, password: &str) {
    let token = link.split("token=").nth(1).expect("a token in the link");
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let reply = agent.post(format!("{api}/password-reset/confirm")).send_json(json!({ "token": token, "password": password })).expect("the local API answers");
    assert_eq!(reply.status().as_u16(), 200);
}

/// "This wasn't me" (issue 22) clicked through: a reset in the browser, the notice's dispute link
/// (opened by a mail scanner first, which changes nothing), its page, the button, the locked page,
/// and the same link again, dead. The screenshots are 15 to 17.
#[tokio::test(flavor = "multi_thread")]
async fn the_dispute_journey_in_a_real_browser() {
    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[]).await;
    let browser = Browser::start().await;
    ask_for_link(&api, DEMO_EMAIL);
    let link = stack.mails_eventually(1).unwrap()[0].reset_link().expect("a reset link");
    browser.client.goto(&link).await.unwrap();
    browser.expect_heading("Choose a new password").await;
    browser.set_passwords(NEW_PASSWORD, NEW_PASSWORD).await;
    browser.expect_heading("Your password has been changed").await;

    let mails = stack.mails_eventually(2).unwrap();
    let dispute = mails.iter().find_map(|m| m.dispute_link()).expect("the notice's dispute link");
    assert!(dispute.starts_with(&format!("{api}/secure-account?lang=en&token=")), "{dispute}");
    for method in ["HEAD", "GET"] {
        assert_eq!(scanner_fetch(method, &dispute), 200, "{method}");
    }
    let changed = stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();

    browser.client.goto(&dispute).await.unwrap();
    let page = browser.expect_heading("Was this password change not yours?").await;
    assert!(page.contains("d\u{2022}\u{2022}\u{2022}@example.com"), "{page}");
    assert_eq!(stack.user_item(DEMO_USER_ID).await.unwrap().unwrap(), changed, "opening the page changes nothing");
    browser.screenshot("15-this-wasnt-me").await;
    browser.click("button[type=submit]").await;
    let page = browser.expect_heading("Your account is locked").await;
    assert!(page.contains("contact support@example.com"), "{page}");
    browser.screenshot("16-account-locked").await;
    let locked = stack.user_item(DEMO_USER_ID).await.unwrap().unwrap();
    assert_eq!(locked[&stack.table.status].as_s().unwrap(), "locked");

    browser.client.goto(&dispute).await.unwrap();
    browser.expect_heading("This link no longer works").await;
    browser.screenshot("17-dispute-link-no-longer-works").await;
    assert_eq!(stack.user_item(DEMO_USER_ID).await.unwrap().unwrap(), locked, "nothing changed again");
    // The old password's owner cannot get a link now.
    ask_for_link(&api, DEMO_EMAIL);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stack.mails().unwrap().len(), 2, "no reset mail for a locked account");
    browser.client.close().await.unwrap();
}

/// The dispute page, the locked page and the dead-link page in every language, on a 320-pixel
/// phone: the language and direction, nothing wider than the screen. One account per language
/// (each is locked once), reset through the JSON API.
#[tokio::test(flavor = "multi_thread")]
async fn the_dispute_pages_fit_a_small_phone_in_every_language() {
    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[]).await;
    let locales: Vec<reset_text::Locale> = reset_text::Locale::all().collect();
    for locale in &locales {
        let tag = locale.tag().to_lowercase();
        stack.put_user(&format!("u-{tag}"), &format!("{tag}@example.com"), DEMO_PASSWORD, Some("active")).await.unwrap();
        ask_for_link(&api, &format!("{tag}@example.com"));
    }
    let mails = stack.mails_eventually(locales.len()).unwrap();
    let to = |mail: &reset_local::mail::SentMail, email: &str| mail.destinations.to.iter().any(|to| to == email);
    for locale in &locales {
        let email = format!("{}@example.com", locale.tag().to_lowercase());
        let link = mails.iter().filter(|m| to(m, &email)).find_map(|m| m.reset_link()).expect("a reset link");
        confirm_link(&api, &link, NEW_PASSWORD);
    }
    let mails = stack.mails_eventually(2 * locales.len()).unwrap();
    let browser = Browser::start().await;
    browser.client.set_window_size(320, 900).await.unwrap();
    for locale in &locales {
        let (tag, dir) = (locale.tag(), locale.dir());
        let email = format!("{}@example.com", tag.to_lowercase());
        let dispute = mails.iter().filter(|m| to(m, &email)).find_map(|m| m.dispute_link()).expect("a dispute link");
        let dispute = dispute.replace("lang=en&", &format!("lang={tag}&"));
        let heading = |id: &'static str| reset_text::Msg::new(id).text(*locale);
        for (step, title) in [("1-this-wasnt-me", "dispute-title"), ("2-account-locked", "locked-title"), ("3-link-no-longer-works", "dispute-invalid-title")] {
            match step {
                "2-account-locked" => browser.click("button[type=submit]").await,
                _ => browser.client.goto(&dispute).await.unwrap(),
            }
            browser.expect_heading(&heading(title)).await;
            let seen = layout(&browser).await;
            assert_eq!((seen["lang"].as_str(), seen["dir"].as_str()), (Some(tag), Some(dir)), "{tag} {step}: {seen}");
            assert_eq!(seen["overflow"], false, "{tag} {step}: fits 320 px: {seen}");
            assert_eq!(seen["wide"], json!([]), "{tag} {step}: nothing wider than the screen: {seen}");
            browser.screenshot(&format!("18-dispute-{tag}-{step}")).await;
        }
        let user = stack.user_item(&format!("u-{}", tag.to_lowercase())).await.unwrap().unwrap();
        assert_eq!(user[&stack.table.status].as_s().unwrap(), "locked", "{tag}");
    }
    browser.client.close().await.unwrap();
}

/// Issue 23's invitation in Chromium on a 320-pixel phone: an account with no password attribute
/// (invited by an operator through the production wiring), its "choose your password" mail sent by
/// the real mail worker through moto's SES, the link from the mail opening the invitation's form
/// (never the reset's heading, fitting the screen), a too-weak password refused with the reason and
/// nothing set, a strong one set ("Your password is set"), the sign-in rule (`login_password`)
/// accepting it, and the same link dead. The screenshots are 19-invitation-*.
#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_link_opens_choose_your_password_and_sets_the_first_password_on_a_small_phone() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use reset_core::domain::UserId;
    use reset_core::domain::mail_job::OperatorAction;
    use reset_core::{OperatorRequest, start_operator_reset};

    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[("LOGIN_URL", "https://app.example.com/login")]).await;
    let (id, email) = ("u-invited", "ines@example.com");
    let t = &stack.table;
    let invited = [(&t.id, id), (&t.email, email), (&t.status, "active")].map(|(k, v)| (k.clone(), AttributeValue::S(v.into())));
    stack.dynamodb().put_item().table_name(&t.table).set_item(Some(invited.into_iter().collect())).send().await.unwrap();
    let no_password = || async { !stack.user_item(id).await.unwrap().unwrap().contains_key(&stack.table.password_hash) };
    assert!(no_password().await, "the invited account has no password attribute");

    // The operator invites (as the admin API and the operator tool do); the worker under watch
    // sends the mail through moto's SES.
    let deps = reset_wiring::operator(stack.config(), &stack.sdk, false).await.expect("the operator's wiring builds on the stack");
    let request = OperatorRequest {
        user_id: UserId::parse(id).unwrap(),
        action: OperatorAction::Invitation,
        block_sign_in: false,
        end_sessions: false,
        operator: "arn:aws:sts::123456789012:assumed-role/ResetOperators/alice".into(),
        campaign: None,
        locale: None,
    };
    start_operator_reset(&deps, &request).await.expect("the invitation is accepted");
    let mails = stack.mails_eventually(1).unwrap();
    let mail = mails.iter().find(|m| m.destinations.to.iter().any(|to| to == email)).expect("the invitation's mail");
    assert_eq!(mail.subject, "Demo App: choose your password");
    let link = mail.reset_link().expect("a link in the invitation");
    assert!(link.starts_with(&format!("{api}/reset-password?lang=en&token=")), "{link}");

    // The link from the mail, on a phone: the invitation's form, not the reset's.
    let browser = Browser::start().await;
    browser.client.set_window_size(320, 900).await.unwrap();
    browser.client.goto(&link).await.unwrap();
    let form = browser.expect_heading("Choose your password").await;
    assert_eq!(browser.url().await, format!("{api}/reset-password?lang=en"), "no token in the address bar");
    assert!(form.contains("i\u{2022}\u{2022}\u{2022}@example.com") && form.contains("Set my password"), "{form}");
    assert!(!form.contains("Choose a new password") && !form.contains("Change my password"), "the reset's words: {form}");
    let seen = layout(&browser).await;
    assert_eq!((seen["overflow"].clone(), seen["wide"].clone()), (json!(false), json!([])), "the invitation's form fits 320 px: {seen}");
    browser.screenshot("19-invitation-1-choose-your-password").await;

    // A too-weak password: the form again, in the invitation's words, with the reason; nothing set.
    browser.set_passwords("password1234", "password1234").await;
    let page = browser.expect_heading("Choose your password").await;
    assert!(page.contains("This password is too easy to guess.") && page.contains("Your password was not set"), "{page}");
    assert_eq!(layout(&browser).await["overflow"], false, "the form with its reasons fits 320 px");
    browser.screenshot("19-invitation-2-password-too-guessable").await;
    assert!(no_password().await, "a refused password sets nothing");

    // A strong one: set, with the way to sign in; the sign-in rule accepts it.
    browser.set_passwords(NEW_PASSWORD, NEW_PASSWORD).await;
    let done = browser.expect_heading("Your password is set").await;
    assert!(!done.contains("changed"), "{done}");
    let sign_in = browser.client.find(Locator::Css("a.button")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(sign_in.as_deref(), Some("https://app.example.com/login"));
    assert_eq!(layout(&browser).await["overflow"], false, "the outcome fits 320 px");
    browser.screenshot("19-invitation-3-password-is-set").await;
    let stored = stack.password_hash(id).await.unwrap();
    assert!(login_password::verify(NEW_PASSWORD, &stored), "the sign-in accepts the first password");
    assert!(!login_password::verify("password1234", &stored));

    // The same link again: dead.
    browser.client.goto(&link).await.unwrap();
    browser.expect_heading("This link is invalid or has expired").await;
    browser.screenshot("19-invitation-4-link-invalid-or-expired").await;
    assert_eq!(stack.password_hash(id).await.unwrap(), stored, "nothing changed again");
    browser.client.close().await.unwrap();
}

/// The href (resolved) of the link whose words are `text`: a test of the words as a reader sees them.
async fn link_named(browser: &Browser, text: &str) -> String {
    match browser.client.find(Locator::LinkText(text)).await {
        Ok(link) => link.prop("href").await.unwrap().unwrap_or_default(),
        Err(_) => panic!("no link {text:?} at {}", browser.url().await),
    }
}

/// How wide the page is against the window: `[scrollWidth, innerWidth]`.
async fn widths(browser: &Browser) -> (i64, i64) {
    let seen = browser.client.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    (seen[0].as_i64().unwrap(), seen[1].as_i64().unwrap())
}

/// The code mailed beside a link, typed on another device, on 320-pixel phones: device A asks for
/// the reset (the check-your-inbox page leads to the code page too); the mail carries the link and
/// the code; device B, another browser with its own profile and no cookie of A's, follows "Have a
/// code? Enter it here" from the forgot page, types the address and the code as people do (lower
/// case, a space for the hyphen), lands on the usual form with the reset cookie, and sets the
/// password, which the sign-in accepts. Then the mail's link is dead on device A, which never held
/// a reset cookie, and the same code is refused on B. The code page fits 320 px. The screenshots
/// are 20-code-on-another-device-*.
#[tokio::test(flavor = "multi_thread")]
async fn a_code_typed_on_another_device_sets_the_password_on_a_small_phone() {
    let LocalApi { url: api, stack, watch: _watch, pump: _pump } = LocalApi::start(&[("LOGIN_URL", "https://app.example.com/login")]).await;
    let (forgot, code_page) = (format!("{api}/forgot-password"), format!("{api}/reset-password?code"));
    let (have_a_code, code_title) = ("Have a code? Enter it here", "Enter the code from your email");
    let demo_mask = "d\u{2022}\u{2022}\u{2022}@example.com";

    // Device A asks for the reset; "check your inbox" offers the code page too.
    let a = Browser::start().await;
    a.client.set_window_size(320, 900).await.unwrap();
    a.client.goto(&forgot).await.unwrap();
    a.expect_heading("Forgot your password?").await;
    a.type_into("#email", DEMO_EMAIL).await;
    a.click("button[type=submit]").await;
    a.expect_heading("Check your inbox").await;
    assert_eq!(link_named(&a, have_a_code).await, code_page, "the inbox page leads to the code page");
    let (scroll, window) = widths(&a).await;
    assert!(window == 320 && scroll <= 320, "the inbox page at 320 px: {scroll} px wide in a {window} px window");

    // The mail: the link, and the code beside it.
    let mails = stack.mails_eventually(1).unwrap();
    assert_eq!(mails.len(), 1, "one mail");
    let link = mails[0].reset_link().expect("a reset link");
    let code = mails[0].code().expect("a code beside the link, shown like 7KQ4-M2XD");
    let typed = code.to_lowercase().replace('-', " ");
    assert_ne!(typed, code);

    // Device B: its own browser and profile, holding nothing of A's.
    let b = Browser::start().await;
    b.client.set_window_size(320, 900).await.unwrap();
    b.client.goto(&forgot).await.unwrap();
    b.expect_heading("Forgot your password?").await;
    assert_eq!(b.reset_cookie().await, None, "device B holds no reset");
    assert_eq!(link_named(&b, have_a_code).await, code_page, "the forgot page leads to the code page");
    let (scroll, window) = widths(&b).await;
    assert!(window == 320 && scroll <= 320, "the forgot page at 320 px: {scroll} px wide in a {window} px window");
    b.client.find(Locator::LinkText(have_a_code)).await.unwrap().click().await.unwrap();
    b.expect_heading(code_title).await;
    assert_eq!(b.url().await, code_page);
    b.type_into("#email", DEMO_EMAIL).await;
    b.type_into("#code", &typed).await;
    let (scroll, window) = widths(&b).await;
    assert_eq!(window, 320, "the window is a 320-pixel phone's");
    assert!(scroll <= 320, "the code page scrolls sideways at 320 px: {scroll} px wide");
    let seen = layout(&b).await;
    assert_eq!((seen["overflow"].clone(), seen["wide"].clone()), (json!(false), json!([])), "the code page fits 320 px: {seen}");
    b.screenshot("20-code-on-another-device-1-code-page").await;
    assert!(password::verify(DEMO_PASSWORD, &stack.password_hash(DEMO_USER_ID).await.unwrap()), "nothing changed yet");

    // The code's post: the reset cookie, and the usual form for the demo account.
    b.click("button[type=submit]").await;
    let form = b.expect_heading("Choose a new password").await;
    assert_eq!(b.url().await, format!("{api}/reset-password"), "the usual form, no code in the address bar");
    assert!(b.reset_cookie().await.is_some(), "the code's post set the reset cookie");
    assert!(form.contains(demo_mask), "the form names the account: {form}");
    let (scroll, _) = widths(&b).await;
    assert!(scroll <= 320, "the form scrolls sideways at 320 px: {scroll} px wide");
    b.screenshot("20-code-on-another-device-2-form").await;

    // The password, chosen as from the link; the sign-in accepts it.
    b.set_passwords(NEW_PASSWORD, NEW_PASSWORD).await;
    b.expect_heading("Your password has been changed").await;
    assert_eq!(b.reset_cookie().await, None, "the reset ends with the change");
    let stored = stack.password_hash(DEMO_USER_ID).await.unwrap();
    assert!(password::verify(NEW_PASSWORD, &stored) && login_password::verify(NEW_PASSWORD, &stored), "the new password signs in");
    assert!(!login_password::verify(DEMO_PASSWORD, &stored), "the old one no longer does");

    // Device A: no reset cookie, and the mail's link is dead there.
    assert_eq!(a.reset_cookie().await, None, "device A never held a reset");
    a.client.goto(&link).await.unwrap();
    a.expect_heading("This link is invalid or has expired").await;
    assert_eq!(a.reset_cookie().await, None, "the dead link sets no cookie on device A");

    // The same code again on B: refused, no cookie, nothing changed.
    b.client.goto(&code_page).await.unwrap();
    b.expect_heading(code_title).await;
    b.type_into("#email", DEMO_EMAIL).await;
    b.type_into("#code", &typed).await;
    b.click("button[type=submit]").await;
    let refused = b.expect_heading(code_title).await;
    assert!(refused.contains("That code is wrong or has expired."), "{refused}");
    assert_eq!(b.reset_cookie().await, None, "a spent code sets no cookie");
    assert_eq!(stack.password_hash(DEMO_USER_ID).await.unwrap(), stored, "nothing changed again");
    a.client.close().await.unwrap();
    b.client.close().await.unwrap();
}
