//! Reading the small files the program keeps (config, remembered values): only regular files,
//! never more than a limit, and never blocking on a FIFO that someone put in their place.

use std::io::{self, Read};
use std::path::Path;

/// The bytes of `path`, `None` when it does not exist. A FIFO, a device (`/dev/zero`), a
/// folder or a file larger than `max` bytes is an error that says so; nothing past `max` is
/// ever read.
pub fn read_small(path: &Path, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    // Opening a FIFO for reading blocks until a writer appears; non-blocking opens at once,
    // and the type check below refuses it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        )
    };
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_small_files_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("a");
        assert!(read_small(&p, 10).expect("missing is fine").is_none());
        std::fs::write(&p, b"hello").expect("write");
        assert_eq!(read_small(&p, 10).expect("read"), Some(b"hello".to_vec()));
        let err = read_small(&p, 4).expect_err("too large");
        assert!(err.to_string().contains("larger than 4 bytes"), "{err}");
        let err = read_small(dir.path(), 10).expect_err("a folder");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer: a blocking open would hang here.
        let err = read_small(&fifo, 1024).expect_err("a FIFO");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = read_small(Path::new("/dev/zero"), 1024).expect_err("a device");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
