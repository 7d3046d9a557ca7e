//! The local stack in one command (`scripts/dev`): moto on loopback, provisioned like the SAM
//! template (tables, mail queue and dead-letter queue, signing-key and hashing-key secrets, verified sender, a demo
//! user), the functions under `cargo lambda watch` at the template's paths, the mail queue fed to
//! the mail worker as SQS events (as Lambda's event source does), the events' outbox fed to the
//! event publisher (as the stream's event source does), and every reset link that is mailed and
//! every event the bus delivers printed as they come. Ctrl-C, SIGTERM or SIGHUP (a closed terminal, a process manager)
//! stop everything it started; if the runner is killed outright, its children get SIGTERM from the
//! kernel (see `reset_local::process`).

use std::collections::HashSet;
use std::time::Duration;

use reset_local::functions::Watch;
use reset_local::queue::Pump;
use reset_local::stack::{DEMO_EMAIL, DEMO_PASSWORD, Moto, Stack};
use reset_local::workspace_root;

fn port(var: &str, default: u16) -> anyhow::Result<u16> {
    match std::env::var(var) {
        Ok(v) => v.parse().map_err(|_| anyhow::anyhow!("{var} must be a port number")),
        Err(_) => Ok(default),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // Installed first: from here on these signals end the loop below, and the drops stop the children.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    let moto_port = port("MOTO_PORT", 5050)?;
    let api_port = port("API_PORT", 9000)?;
    let api = format!("http://127.0.0.1:{api_port}");

    println!("Starting moto on 127.0.0.1:{moto_port} and provisioning it ...");
    // MOTO_HOST=0.0.0.0 lets containers (`sam local invoke`) reach it; loopback by default.
    let moto_host = std::env::var("MOTO_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let stack = Stack::provisioned(Moto::start_on(&moto_host, moto_port)?, &format!("{api}/reset-password")).await?;
    println!("Starting the functions with cargo lambda watch (the first request builds them) ...");
    let log = workspace_root().join(".local/functions.log");
    let watch = Watch::start(Some(api_port), &stack.env(), &log, true)?;
    // Polled every 200 ms: a requested link is printed within about a second.
    let _pump = Pump::start(stack.queue.clone(), watch.invoke_url("mail-worker"), Duration::from_millis(200));
    let _events = Pump::start(stack.events.clone(), watch.invoke_url("event-publisher"), Duration::from_millis(500));

    println!(
        r#"
Local password-reset stack is up.
  API:            {api}
    POST {api}/password-reset/request   {{"email": "..."}}
    POST {api}/password-reset/confirm   {{"token": "...", "password": "..."}}
  Moto (AWS):     {moto}   (sent mail: {moto}/moto-api/data.json)
  Mail queues:    {queue} (links), {notices} (notices), both fed to the mail-worker function
  Events:         on the bus {bus}, fed from the outbox {outbox} by the event-publisher function;
                  each is printed below as an application's rule would receive it
  Demo user:      {DEMO_EMAIL} / {DEMO_PASSWORD}
  Function logs:  {log}

Try:
  curl -i -H 'content-type: application/json' -d '{{"email":"{DEMO_EMAIL}"}}' {api}/password-reset/request

Edits to the functions rebuild them. Reset links appear below as mail is sent. Ctrl-C stops everything.
Stack ready.
"#,
        moto = stack.moto.url,
        queue = stack.queue.url,
        notices = stack.queue.notices_url,
        bus = reset_local::outbox::EVENT_BUS,
        outbox = reset_local::outbox::OUTBOX_TABLE,
        log = log.display(),
    );

    let mut seen = HashSet::new();
    let mut heard = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
            _ = tick.tick() => {
                for mail in stack.mails().unwrap_or_default() {
                    if seen.insert(mail.id.clone()) {
                        println!("\nMail to {}: {}", mail.destinations.to.join(", "), mail.subject);
                        if let Some(link) = mail.reset_link() {
                            println!("  reset link: {link}");
                        }
                        if let Some(code) = mail.code() {
                            println!("  code (on another device: the reset page's \"Have a code?\"): {code}");
                        }
                        if let Some(link) = mail.dispute_link() {
                            println!("  \"this wasn't me\" link: {link}");
                        }
                    }
                }
                let events = stack.events.heard().await.unwrap_or_default();
                for event in events.iter().skip(heard) {
                    println!("\nEvent {}: {}", event["detail-type"].as_str().unwrap_or("?"), event["detail"]);
                }
                heard = heard.max(events.len());
            }
        }
    }
    println!("\nStopping ...");
    Ok(())
}
