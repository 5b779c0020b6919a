//! Just enough IPP/1.1 (RFC 8010, 8011) over HTTP to talk to CUPS: submit a job,
//! read a job's and a printer's state. `lp` and `lpstat` report a job that was
//! aborted or canceled the same way as one that completed, and word everything
//! in the local language; IPP answers with numbers.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::error::{PrinterError, Result};

pub(crate) mod op {
    pub const PRINT_JOB: u16 = 0x0002;
    pub const GET_JOB_ATTRIBUTES: u16 = 0x0009;
    pub const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;
    /// CUPS's own operation: every queue the server has.
    pub const CUPS_GET_PRINTERS: u16 = 0x4002;
}

/// IPP status client-error-not-found.
pub(crate) const STATUS_NOT_FOUND: u16 = 0x0406;

const GROUP_OPERATION: u8 = 0x01;
const GROUP_JOB: u8 = 0x02;
const GROUP_END: u8 = 0x03;
const TAG_INTEGER: u8 = 0x21;
const TAG_BOOLEAN: u8 = 0x22;
const TAG_ENUM: u8 = 0x23;
const TAG_NAME: u8 = 0x42;
const TAG_KEYWORD: u8 = 0x44;
const TAG_URI: u8 = 0x45;
const TAG_CHARSET: u8 = 0x47;
const TAG_LANGUAGE: u8 = 0x48;
const TAG_MIME_TYPE: u8 = 0x49;
/// Value tags below this one delimit groups rather than carry values.
const FIRST_VALUE_TAG: u8 = 0x10;

const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// An attribute value as read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Integer(i32),
    Boolean(bool),
    Text(String),
}

/// An IPP request under construction.
pub(crate) struct Request {
    body: Vec<u8>,
}

impl Request {
    /// A request with the attributes every operation starts with.
    pub fn new(operation: u16, printer_uri: &str, user: &str) -> Request {
        let mut body = vec![2, 0];
        body.extend_from_slice(&operation.to_be_bytes());
        body.extend_from_slice(&1u32.to_be_bytes());
        body.push(GROUP_OPERATION);
        let mut request = Request { body };
        request.value(TAG_CHARSET, "attributes-charset", b"utf-8");
        request.value(TAG_LANGUAGE, "attributes-natural-language", b"en");
        request.value(TAG_URI, "printer-uri", printer_uri.as_bytes());
        request.value(TAG_NAME, "requesting-user-name", user.as_bytes());
        request
    }

    fn value(&mut self, tag: u8, name: &str, value: &[u8]) {
        self.body.push(tag);
        for part in [name.as_bytes(), value] {
            // Names and values here are short keywords, URIs and numbers.
            self.body.extend_from_slice(&(part.len() as u16).to_be_bytes());
            self.body.extend_from_slice(part);
        }
    }

    pub fn name(mut self, name: &str, value: &str) -> Request {
        self.value(TAG_NAME, name, value.as_bytes());
        self
    }

    pub fn keyword(mut self, name: &str, value: &str) -> Request {
        self.value(TAG_KEYWORD, name, value.as_bytes());
        self
    }

    pub fn mime_type(mut self, name: &str, value: &str) -> Request {
        self.value(TAG_MIME_TYPE, name, value.as_bytes());
        self
    }

    pub fn integer(mut self, name: &str, value: i32) -> Request {
        self.value(TAG_INTEGER, name, &value.to_be_bytes());
        self
    }

    /// A keyword attribute with several values.
    pub fn keywords(mut self, name: &str, values: &[&str]) -> Request {
        for (index, value) in values.iter().enumerate() {
            self.value(TAG_KEYWORD, if index == 0 { name } else { "" }, value.as_bytes());
        }
        self
    }

    /// Starts the job attributes group; attributes added after it describe the job.
    pub fn job_group(mut self) -> Request {
        self.body.push(GROUP_JOB);
        self
    }

    /// The encoded request followed by the document, if any.
    fn finish(mut self, document: &[u8]) -> Vec<u8> {
        self.body.push(GROUP_END);
        self.body.extend_from_slice(document);
        self.body
    }
}

/// A decoded response: its status and every attribute, groups flattened (the
/// requests here ask about one job or one printer).
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    attributes: HashMap<String, Vec<Value>>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        self.status < 0x0100
    }

    pub fn integer(&self, name: &str) -> Option<i32> {
        self.attributes.get(name)?.iter().find_map(|v| match v {
            Value::Integer(i) => Some(*i),
            _ => None,
        })
    }

    pub fn boolean(&self, name: &str) -> Option<bool> {
        self.attributes.get(name)?.iter().find_map(|v| match v {
            Value::Boolean(b) => Some(*b),
            _ => None,
        })
    }

    /// Every text value of `name`, in the order the answer gave them (one
    /// per printer in an answer about several).
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.attributes
            .get(name)
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Text(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// All text values of `name` that say something, joined with ", ".
    pub fn text(&self, name: &str) -> String {
        self.texts(name)
            .into_iter()
            .filter(|t| !t.is_empty() && t != "none")
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn protocol_error(detail: impl Into<String>) -> PrinterError {
    PrinterError::Ipp { detail: detail.into() }
}

fn parse_response(bytes: &[u8]) -> Result<Response> {
    let truncated = || protocol_error("the IPP answer is cut short");
    let header = bytes.get(..8).ok_or_else(truncated)?;
    let status = u16::from_be_bytes([header[2], header[3]]);
    let mut attributes: HashMap<String, Vec<Value>> = HashMap::new();
    let mut at = 8;
    let mut current = String::new();
    let take = |at: &mut usize, len: usize| -> Result<&[u8]> {
        let slice = bytes.get(*at..*at + len).ok_or_else(truncated)?;
        *at += len;
        Ok(slice)
    };
    loop {
        let tag = *take(&mut at, 1)?.first().ok_or_else(truncated)?;
        if tag == GROUP_END {
            break;
        }
        if tag < FIRST_VALUE_TAG {
            continue;
        }
        let name_len = take(&mut at, 2)?;
        let name_len = usize::from(u16::from_be_bytes([name_len[0], name_len[1]]));
        let name = String::from_utf8_lossy(take(&mut at, name_len)?).into_owned();
        let value_len = take(&mut at, 2)?;
        let value_len = usize::from(u16::from_be_bytes([value_len[0], value_len[1]]));
        let raw = take(&mut at, value_len)?;
        if !name.is_empty() {
            current = name;
        }
        let value = match (tag, raw) {
            (TAG_INTEGER | TAG_ENUM, [a, b, c, d]) => Value::Integer(i32::from_be_bytes([*a, *b, *c, *d])),
            (TAG_BOOLEAN, [b]) => Value::Boolean(*b != 0),
            _ => Value::Text(String::from_utf8_lossy(raw).into_owned()),
        };
        attributes.entry(current.clone()).or_default().push(value);
    }
    Ok(Response { status, attributes })
}

/// Where CUPS listens: `host:port`, or the path of its local socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Server(pub String);

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

impl Server {
    fn not_running(&self, detail: impl ToString) -> PrinterError {
        PrinterError::CupsNotRunning {
            server: self.0.clone(),
            detail: detail.to_string(),
        }
    }

    fn connect(&self) -> Result<Box<dyn Stream>> {
        if self.0.starts_with('/') {
            let stream = UnixStream::connect(&self.0).map_err(|e| self.not_running(e))?;
            stream
                .set_read_timeout(Some(IO_TIMEOUT))
                .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
                .map_err(|e| self.not_running(e))?;
            return Ok(Box::new(stream));
        }
        let addresses = self.0.to_socket_addrs().map_err(|e| self.not_running(e))?;
        let mut last_error = None;
        for address in addresses {
            match TcpStream::connect_timeout(&address, IO_TIMEOUT) {
                Ok(stream) => {
                    stream
                        .set_read_timeout(Some(IO_TIMEOUT))
                        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
                        .map_err(|e| self.not_running(e))?;
                    return Ok(Box::new(stream));
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(self.not_running(last_error.map_or_else(|| "no address".to_owned(), |e| e.to_string())))
    }

    /// The `Host` header CUPS checks requests against.
    pub fn host(&self) -> &str {
        if self.0.starts_with('/') { "localhost" } else { &self.0 }
    }

    /// The printer URI CUPS knows a queue by.
    pub fn printer_uri(&self, queue: &str) -> String {
        format!("ipp://{}/printers/{queue}", self.host())
    }

    /// Sends `request` (with `document` after it) to `path` and decodes the answer.
    pub fn send(&self, path: &str, request: Request, document: &[u8]) -> Result<Response> {
        let body = request.finish(document);
        let mut stream = self.connect()?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.host(),
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(&body))
            .and_then(|()| stream.flush())
            .map_err(|e| self.not_running(format!("sending the request: {e}")))?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .map_err(|e| self.not_running(format!("reading the answer: {e}")))?;
        parse_response(&http_body(&answer)?)
    }
}

/// The body of an HTTP/1.1 answer, checked for status 200 and de-chunked.
fn http_body(answer: &[u8]) -> Result<Vec<u8>> {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| protocol_error("no HTTP header in the answer"))?;
    let head = String::from_utf8_lossy(&answer[..split]);
    let body = &answer[split + 4..];
    let status_line = head.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("200") {
        return Err(protocol_error(format!("HTTP answer {status_line:?}")));
    }
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if !chunked {
        return Ok(body.to_vec());
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| protocol_error("bad chunk in the answer"))?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| protocol_error("bad chunk size in the answer"))?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest
            .get(line_end + 2..line_end + 2 + size)
            .ok_or_else(|| protocol_error("the answer is cut short"))?;
        out.extend_from_slice(chunk);
        rest = rest.get(line_end + 4 + size..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_decodes_integers_booleans_and_multi_valued_text() {
        let mut bytes = vec![2, 0, 0, 0, 0, 0, 0, 1, GROUP_OPERATION];
        let mut attr = |tag: u8, name: &str, value: &[u8]| {
            bytes.push(tag);
            bytes.extend_from_slice(&(name.len() as u16).to_be_bytes());
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(&(value.len() as u16).to_be_bytes());
            bytes.extend_from_slice(value);
        };
        attr(TAG_ENUM, "job-state", &9i32.to_be_bytes());
        attr(TAG_BOOLEAN, "printer-is-accepting-jobs", &[1]);
        attr(TAG_KEYWORD, "job-state-reasons", b"job-completed-successfully");
        attr(TAG_KEYWORD, "", b"job-printing");
        bytes.push(GROUP_END);
        let response = parse_response(&bytes).expect("decodes");
        assert!(response.is_success());
        assert_eq!(response.integer("job-state"), Some(9));
        assert_eq!(response.boolean("printer-is-accepting-jobs"), Some(true));
        assert_eq!(
            response.text("job-state-reasons"),
            "job-completed-successfully, job-printing"
        );
        assert!(parse_response(&bytes[..bytes.len() - 3]).is_err());
    }

    #[test]
    fn chunked_http_bodies_are_joined() {
        let answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(http_body(answer).expect("body"), b"abcde");
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        assert_eq!(http_body(plain).expect("body"), b"hi");
        assert!(http_body(b"HTTP/1.1 401 Unauthorized\r\n\r\n").is_err());
    }
}
