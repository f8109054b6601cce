//! Key files: one base64 line readable by its owner only, created at most once when missing.
//! The development signing key and the secrets key both live in one; each decodes and checks
//! the text its own way and maps [`KeyFileError`] into its own error.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

/// Why a key file could not be read or created.
#[derive(Debug)]
pub enum KeyFileError {
    Io(std::io::Error),
    /// Users other than the owner can access it (the file's mode bits).
    Permissions(u32),
    /// Another process created it and never wrote its key.
    Empty,
}

/// Refuses a key file that users other than its owner can access.
pub fn check_private(path: &Path) -> Result<(), KeyFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let metadata = std::fs::metadata(path).map_err(KeyFileError::Io)?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Permissions(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// What [`create`] found.
pub enum Created {
    /// The file is new and holds the text given.
    Written,
    /// Another process created it first: its text (the key to use, never a second one, since
    /// what one process signed or sealed the other must verify or open).
    Existing(String),
}

/// Creates the key file at `path` (with its folder, mode 0600) holding `text` plus a newline,
/// unless it exists.
pub fn create(path: &Path, text: &str) -> Result<Created, KeyFileError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(KeyFileError::Io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{text}\n").as_bytes())
                .map_err(KeyFileError::Io)?;
            file.sync_all().map_err(KeyFileError::Io)?;
            Ok(Created::Written)
        }
        // Wait for the other process to write its key.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            for _ in 0..20 {
                let text = std::fs::read_to_string(path).map_err(KeyFileError::Io)?;
                if !text.trim().is_empty() {
                    check_private(path)?;
                    return Ok(Created::Existing(text));
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(KeyFileError::Empty)
        }
        Err(error) => Err(KeyFileError::Io(error)),
    }
}
