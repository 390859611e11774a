//! HTTP/1.x message heads as the forward proxy needs them: read up to the blank line,
//! parse the start line and the fields, and write them back out.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest head accepted (Chromium's requests are far smaller).
const MAX_HEAD: usize = 64 * 1024;

/// A request or response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// The three parts of the start line (`GET`, target, `HTTP/1.1`, or for a response
    /// `HTTP/1.1`, `200`, reason).
    pub start: [String; 3],
    /// Header fields in order.
    pub fields: Vec<(String, String)>,
}

impl Head {
    /// The first value of `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Removes every field named in `names`.
    pub fn remove(&mut self, names: &[&str]) {
        self.fields
            .retain(|(n, _)| !names.iter().any(|drop| n.eq_ignore_ascii_case(drop)));
    }

    /// Appends a field.
    pub fn push(&mut self, name: &str, value: &str) {
        self.fields.push((name.to_owned(), value.to_owned()));
    }

    /// `Content-Length`, when present and valid.
    pub fn content_length(&self) -> Option<u64> {
        self.field("content-length")?.trim().parse().ok()
    }

    /// True when the body is chunked.
    pub fn is_chunked(&self) -> bool {
        self.field("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }

    /// The head as bytes, blank line included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} {}\r\n", self.start[0], self.start[1], self.start[2]);
        for (name, value) in &self.fields {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    fn parse(bytes: &[u8]) -> io::Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(|_| invalid("head is not UTF-8"))?;
        let mut lines = text.split("\r\n");
        let start_line = lines.next().unwrap_or_default();
        let mut parts = start_line.splitn(3, ' ');
        let start = [
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
            parts.next().unwrap_or_default().to_owned(),
        ];
        if start[0].is_empty() || start[1].is_empty() {
            return Err(invalid("malformed start line"));
        }
        let fields = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad field"))?;
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Self { start, fields })
    }
}

/// Reads one head from `stream`; returns it and any bytes read past it.
pub(crate) async fn read_head<R: AsyncRead + Unpin>(stream: &mut R) -> io::Result<(Head, Vec<u8>)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before a complete head",
            ));
        }
        let searched_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find_blank_line(&buf[searched_from..]) {
            let end = searched_from + end;
            let head = Head::parse(&buf[..end])?;
            return Ok((head, buf[end + 4..].to_vec()));
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("head larger than 64 KiB"));
        }
    }
}

fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n")
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn heads_parse_and_keep_what_follows() {
        let raw: &[u8] =
            b"GET http://a.test/x?y HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n\r\nabc";
        let mut reader = raw;
        let (mut head, rest) = read_head(&mut reader).await.expect("head");
        assert_eq!(head.start[0], "GET");
        assert_eq!(head.start[1], "http://a.test/x?y");
        assert_eq!(head.field("HOST"), Some("a.test"));
        assert_eq!(head.content_length(), Some(3));
        assert_eq!(rest, b"abc");
        head.remove(&["host"]);
        head.push("Connection", "close");
        assert_eq!(
            head.to_bytes(),
            b"GET http://a.test/x?y HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
        );
        let status: &[u8] = b"HTTP/1.1 403 Forbidden\r\n\r\n";
        let (head, _) = read_head(&mut &status[..]).await.expect("status");
        assert_eq!(head.start[1], "403");
        assert!(read_head(&mut &b"GET / HTTP/1.1\r\n"[..]).await.is_err());
    }
}
