//! Line splitting with Kafka FileStreamSourceTask's rules: lines end at `\n`, `\r\n`
//! or a lone `\r`; a trailing line without its terminator is held until one arrives
//! (a trailing `\r` too, as it may be the start of `\r\n`). Positions are byte offsets.

use std::io::{self, Read};

const CHUNK: usize = 64 * 1024;

/// Reads complete lines from `R`, tracking the byte position after each.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of unconsumed bytes in `buf`.
    start: usize,
    /// Where to resume scanning for a terminator (everything before has none).
    scanned: usize,
    /// Byte position (in the file) of `buf[start]`.
    position: u64,
}

impl<R: Read> LineReader<R> {
    /// A reader whose first byte is at file position `position`.
    pub fn new(inner: R, position: u64) -> Self {
        LineReader {
            inner,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            position,
        }
    }

    /// Up to `max` complete lines, each with the byte position just after it. Reads
    /// only what is available (never waits); an empty result means no complete line.
    pub fn read_lines(&mut self, max: usize) -> io::Result<Vec<(String, u64)>> {
        let mut lines = Vec::new();
        while lines.len() < max {
            match self.extract() {
                Some(line) => lines.push(line),
                None => {
                    if self.fill()? == 0 {
                        break;
                    }
                }
            }
        }
        Ok(lines)
    }

    fn extract(&mut self) -> Option<(String, u64)> {
        let data = &self.buf[self.start..];
        let from = self.scanned - self.start;
        let found = data[from..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map(|i| i + from);
        let Some(until) = found else {
            self.scanned = self.buf.len();
            return None;
        };
        let next = if data[until] == b'\r' {
            match data.get(until + 1) {
                None => {
                    // Could be the first half of "\r\n": wait for more data.
                    self.scanned = self.start + until;
                    return None;
                }
                Some(b'\n') => until + 2,
                Some(_) => until + 1,
            }
        } else {
            until + 1
        };
        let line = String::from_utf8_lossy(&data[..until]).into_owned();
        self.start += next;
        self.scanned = self.start;
        self.position += next as u64;
        Some((line, self.position))
    }

    /// Read one chunk; returns the number of bytes read (0 at end of file).
    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let read = loop {
            match self.inner.read(&mut self.buf[old..]) {
                Ok(n) => break Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        self.buf.truncate(old + *read.as_ref().unwrap_or(&0));
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(String, u64)> {
        LineReader::new(input, 0).read_lines(max).expect("read")
    }

    #[test]
    fn splits_like_kafka() {
        assert_eq!(
            lines(b"a\nbb\r\nc\rd", 10),
            vec![("a".into(), 2), ("bb".into(), 6), ("c".into(), 8)]
        );
        assert_eq!(lines(b"x\r", 10), vec![]);
        assert_eq!(lines(b"\n\n", 10), vec![("".into(), 1), ("".into(), 2)]);
        assert_eq!(lines(b"a\nb\nc\n", 2).len(), 2);
    }

    #[test]
    fn holds_partial_lines_across_reads() {
        // A reader that returns its input in 3-byte pieces.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(3).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = LineReader::new(Slow(b"hello\r\nworld\npartial"), 100);
        assert_eq!(
            r.read_lines(10).expect("read"),
            vec![("hello".into(), 107), ("world".into(), 113)]
        );
        assert_eq!(r.read_lines(10).expect("read"), vec![]);
    }
}
