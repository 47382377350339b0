//! Tesseract runs in its own process, the `retromesh-ocr` helper. Linking it would load
//! Tesseract and its 50-odd libraries into every `retromesh` process, the long-running
//! gateway included, for about 11 MB of memory it never uses; and a crash in Tesseract now
//! ends one reading, not the process.

use std::ffi::OsString;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use super::wire::{self, Answer};
use super::OcrError;

/// The helper's file name.
pub const HELPER: &str = "retromesh-ocr";
/// Names the helper's path, overriding the search.
pub const HELPER_ENV: &str = "RETROMESH_OCR";

/// Where the helper is looked for, in order: `$RETROMESH_OCR`; beside the running program (and
/// beside its directory, which is where cargo puts binaries for test and bench programs); each
/// directory on `PATH`.
fn helper_candidates(env: Option<OsString>) -> Vec<PathBuf> {
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(path)];
    }
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        dirs.extend(dir.parent().map(Path::to_path_buf));
        dirs.insert(0, dir);
    }
    dirs.extend(
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths),
    );
    dirs.into_iter().map(|d| d.join(HELPER)).collect()
}

/// The first candidate that is a file.
pub fn find_helper() -> Result<PathBuf, OcrError> {
    let looked = helper_candidates(std::env::var_os(HELPER_ENV));
    looked
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or(OcrError::HelperMissing { looked })
}

/// A running helper with Tesseract loaded.
pub(super) struct Helper {
    path: PathBuf,
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Helper {
    /// Starts `path` with the language data in `tessdata` and waits until Tesseract is loaded.
    pub(super) fn start(path: &Path, tessdata: &Path, whitelist: &str) -> Result<Helper, OcrError> {
        let failed = |detail: String| OcrError::Helper {
            path: path.to_path_buf(),
            detail,
        };
        let mut command = Command::new(path);
        command
            .arg(tessdata)
            .arg(super::LANGUAGE)
            .arg(whitelist)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // OpenMP threads make one line about 3x slower; the user's own setting wins.
        if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
            command.env("OMP_THREAD_LIMIT", "1");
        }
        let mut child = command
            .spawn()
            .map_err(|e| failed(format!("could not start it: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(failed("no pipes to it".into()));
        };
        let mut helper = Helper {
            path: path.to_path_buf(),
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        };
        let mut ready = [0u8; 1];
        match helper.stdout.read_exact(&mut ready) {
            Ok(()) if ready[0] == wire::READY => Ok(helper),
            Ok(()) => Err(failed(format!("it said {:#04x}, not ready", ready[0]))),
            // Tesseract could not load the language, and said why on stderr.
            Err(_) => match helper.exit_status() {
                Some(status) if status.code() == Some(wire::EXIT_NO_LANGUAGE.into()) => {
                    Err(OcrError::Init(tessdata.to_path_buf()))
                }
                Some(status) => Err(failed(format!(
                    "it ended ({status}) before it was ready; its own message is above"
                ))),
                None => Err(failed("it closed its output before it was ready".into())),
            },
        }
    }

    /// Tesseract's mean confidence and TSV for one grey image.
    pub(super) fn recognise(
        &mut self,
        width: u32,
        height: u32,
        pixels: &[u8],
    ) -> Result<(i32, String), OcrError> {
        let answer: std::io::Result<Answer> =
            wire::write_image(&mut self.stdin, width, height, pixels)
                .and_then(|()| wire::read_answer(&mut self.stdout));
        match answer {
            Ok(Ok(reading)) => Ok(reading),
            Ok(Err(message)) => Err(OcrError::Recognise(message)),
            Err(e) => Err(OcrError::Helper {
                path: self.path.clone(),
                detail: match self.exit_status() {
                    Some(status) => format!("it ended ({status}) mid-reading"),
                    None => format!("talking to it failed: {e}"),
                },
            }),
        }
    }

    /// How the helper ended, if it ends within a second of closing its pipes.
    fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        for _ in 0..50 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // Nothing is pending between readings, so nothing is lost.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_names_the_helper_else_it_is_looked_for_beside_the_program_then_on_path() {
        assert_eq!(
            helper_candidates(Some("/opt/ocr/helper".into())),
            vec![PathBuf::from("/opt/ocr/helper")]
        );
        let looked = helper_candidates(None);
        let exe_dir = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        assert_eq!(looked[0], exe_dir.join(HELPER));
        assert_eq!(looked[1], exe_dir.parent().unwrap().join(HELPER));
        assert!(looked.iter().all(|p| p.ends_with(HELPER)));

        let err = OcrError::HelperMissing {
            looked: vec!["/a/retromesh-ocr".into(), "/b/retromesh-ocr".into()],
        };
        assert_eq!(
            err.to_string(),
            "the OCR helper retromesh-ocr was not found (looked for /a/retromesh-ocr, \
             /b/retromesh-ocr): build it with `cargo build --release -p retromesh-tesseract` \
             so it sits beside `retromesh`, or set RETROMESH_OCR to its path"
        );
    }
}
