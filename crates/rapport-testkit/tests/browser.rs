//! Self-test of the browser harness against a two-page site served from a plain TCP listener:
//! a form with a labelled field whose GET submission greets by name. No JavaScript involved.
//! Skipped without Chromium unless `RAPPORT_REQUIRE_BROWSER=1`.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rapport_testkit::browser::Browser;

const FORM: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Greeter</title></head>
<body>
  <h1>Greeter</h1>
  <form action="/greet" method="get">
    <label for="name">Your name</label>
    <input id="name" name="name" type="text" autocomplete="off">
    <button id="send" type="submit">Say hello</button>
  </form>
</body></html>"#;

/// Serves the site on a free loopback port from a background thread; returns its base URL.
fn serve() -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    base
}

fn answer(mut stream: TcpStream) {
    let mut request_line = String::new();
    let mut reader = BufReader::new(&stream);
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers; a GET has no body.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = request_line.split(' ').nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, body) = match path {
        "/" => ("200 OK", FORM.to_string()),
        "/greet" => ("200 OK", greeting(query)),
        _ => (
            "404 Not Found",
            "<!doctype html><p>not found</p>".to_string(),
        ),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn greeting(query: &str) -> String {
    let name = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "name")
        .map(|(_, value)| form_decode(value))
        .unwrap_or_default();
    let name = name
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hello</title>\
         </head><body><p id=\"greeting\">Hello, {name}!</p></body></html>"
    )
}

/// Decodes an `application/x-www-form-urlencoded` value.
fn form_decode(value: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = value.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => bytes.push(b' '),
            b'%' if rest.len() >= 2 => {
                let hex = std::str::from_utf8(&rest[..2]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(decoded) => {
                        bytes.push(decoded);
                        rest = &rest[2..];
                    }
                    Err(_) => bytes.push(b'%'),
                }
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn a_filled_form_submits_and_the_next_page_greets() {
    let site = serve();
    let started = Instant::now();
    let Some(browser) = Browser::start().await else {
        return;
    };
    eprintln!("browser started in {:?}", started.elapsed());

    browser.goto(&site).await.unwrap();
    assert_eq!(
        browser.text_of("label[for=name]").await.unwrap(),
        "Your name"
    );
    browser.fill("#name", "Ada Lovelace & co").await.unwrap();
    browser.click("#send").await.unwrap();
    browser.wait_for("#greeting").await.unwrap();
    assert_eq!(
        browser.text_of("#greeting").await.unwrap(),
        "Hello, Ada Lovelace & co!"
    );
    assert_eq!(
        browser.current_url().await,
        format!("{site}/greet?name=Ada+Lovelace+%26+co")
    );

    let png = browser.screenshot("testkit-greeting").await.unwrap();
    let bytes = std::fs::read(&png).expect("screenshot file");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        png.display()
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_phone_sized_window_lays_the_page_out_phone_wide() {
    let site = serve();
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.set_window_size(390, 844).await.unwrap();
    browser.goto(&site).await.unwrap();
    let width = browser
        .client()
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    let width = width.as_u64().expect("a number");
    assert!((300..=390).contains(&width), "viewport is {width}px wide");
    let png = browser.screenshot("testkit-phone").await.unwrap();
    assert!(png.is_file());
}

#[tokio::test]
async fn a_missing_element_is_reported_with_its_selector_and_page() {
    let site = serve();
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.goto(&site).await.unwrap();
    let error = browser
        .wait_for_within("#no-such-thing", Duration::from_millis(300))
        .await
        .expect_err("nothing matches");
    let message = error.to_string();
    assert!(message.contains("`#no-such-thing`"), "{message}");
    assert!(message.contains(&format!("{site}/")), "{message}");
}

#[test]
fn form_values_are_decoded() {
    assert_eq!(form_decode("Ada+Lovelace"), "Ada Lovelace");
    assert_eq!(form_decode("%26%20x"), "& x");
    assert_eq!(form_decode("Z%C3%BCrich"), "Zürich");
    assert_eq!(form_decode("100%"), "100%");
}
