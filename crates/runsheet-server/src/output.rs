//! Reading a job run's output file (its `results_path`, which a runner appends to while the
//! script runs) for GET /v1/job_runs/:id/output.

use crate::error::ApiError;
use actix_web::web;
use runsheet_core::job_run::{decode_output, JobRunOutput, OutputRequest, Status};
use runsheet_core::notification::JobRun;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// [`read`] on actix's blocking pool: file I/O must not stall a worker's event loop.
pub async fn read_blocking(run: JobRun, request: OutputRequest) -> Result<JobRunOutput, ApiError> {
    let id = run.id;
    web::block(move || read(&run, request))
        .await
        .map_err(|e| ApiError::Internal(format!("output task failed: {e}")))?
        .map_err(|e| ApiError::Internal(format!("reading the output of job run {id}: {e}")))
}

/// The piece of `run`'s output that `request` asks for.
pub fn read(run: &JobRun, request: OutputRequest) -> io::Result<JobRunOutput> {
    let finished = Status::is_finished_name(&run.status);
    let path = run.results_path.as_deref().filter(|p| !p.is_empty());
    let (output, next_offset) = read_file(path.map(Path::new), request, finished)?;
    Ok(JobRunOutput {
        id: run.id,
        offset: request.offset,
        next_offset,
        finished,
        status: run.status.clone(),
        output,
    })
}

/// The text of at most `request.limit` bytes of the file from `request.offset`, and the
/// offset after the bytes it stands for (see [`decode_output`]). No path (a run not started)
/// or no file yet: nothing, and the same offset. An offset past the end: nothing, and the
/// file's length, where the output goes on.
fn read_file(
    path: Option<&Path>,
    request: OutputRequest,
    finished: bool,
) -> io::Result<(String, u64)> {
    let OutputRequest { offset, limit } = request;
    let Some(path) = path else {
        return Ok((String::new(), offset));
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((String::new(), offset)),
        Err(e) => return Err(e),
    };
    let length = file.metadata()?.len();
    if offset >= length {
        return Ok((String::new(), length));
    }
    file.seek(SeekFrom::Start(offset))?;
    let wanted = limit.min(length - offset);
    let mut bytes = Vec::with_capacity(usize::try_from(wanted).unwrap_or(0));
    file.take(wanted).read_to_end(&mut bytes)?;
    // Only a finished run's last bytes are final: a runner may still be writing the rest
    // of a character, and a piece cut by the limit has more after it.
    let at_end = finished && offset + bytes.len() as u64 >= length;
    let (text, used) = decode_output(&bytes, at_end);
    Ok((text, offset + used as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        file.write_all(content).expect("written");
        file
    }

    fn at(offset: u64, limit: u64) -> OutputRequest {
        OutputRequest { offset, limit }
    }

    #[test]
    fn reads_from_the_offset_up_to_the_limit() {
        let f = file(b"hello world");
        let read = |offset, limit| read_file(Some(f.path()), at(offset, limit), false).unwrap();
        assert_eq!(read(0, 100), ("hello world".into(), 11));
        assert_eq!(read(6, 100), ("world".into(), 11));
        assert_eq!(read(0, 5), ("hello".into(), 5));
        assert_eq!(read(5, 4), (" wor".into(), 9));
    }

    #[test]
    fn a_character_cut_by_the_limit_comes_whole_next_time() {
        // "ab€" is 61 62 e2 82 ac: a limit of 4 ends inside the euro sign.
        let f = file("ab€c".as_bytes());
        let first = read_file(Some(f.path()), at(0, 4), true).unwrap();
        assert_eq!(first, ("ab".into(), 2));
        let second = read_file(Some(f.path()), at(first.1, 4), true).unwrap();
        assert_eq!(second, ("€c".into(), 6));
    }

    #[test]
    fn an_unfinished_character_at_the_end_waits_while_the_run_runs() {
        let f = file(b"ok\xe2\x82");
        assert_eq!(
            read_file(Some(f.path()), at(0, 100), false).unwrap(),
            ("ok".into(), 2)
        );
        assert_eq!(
            read_file(Some(f.path()), at(0, 100), true).unwrap(),
            ("ok\u{FFFD}".into(), 4)
        );
    }

    #[test]
    fn past_the_end_no_path_or_no_file() {
        let f = file(b"abc");
        assert_eq!(
            read_file(Some(f.path()), at(3, 100), true).unwrap(),
            (String::new(), 3)
        );
        assert_eq!(
            read_file(Some(f.path()), at(50, 100), true).unwrap(),
            (String::new(), 3)
        );
        assert_eq!(
            read_file(None, at(7, 100), false).unwrap(),
            (String::new(), 7)
        );
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-yet.txt");
        assert_eq!(
            read_file(Some(&missing), at(7, 100), false).unwrap(),
            (String::new(), 7)
        );
    }

    #[test]
    fn a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_file(Some(dir.path()), at(0, 100), false).is_err());
    }

    #[test]
    fn the_answer_says_whether_the_run_is_over() {
        let f = file(b"done");
        let path = f.path().to_str().unwrap().to_string();
        let run = |status: &str| JobRun {
            id: 9,
            job_type: "automation".into(),
            status: status.into(),
            run_key: None,
            automation_id: None,
            user_id: None,
            step_id: None,
            process_id: None,
            results_path: Some(path.clone()),
            stdout: None,
            stderr: None,
            started_at: None,
            finished_at: None,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        let output = read(&run("Running"), at(1, 100)).unwrap();
        assert_eq!(
            output,
            JobRunOutput {
                id: 9,
                offset: 1,
                next_offset: 4,
                finished: false,
                status: "Running".into(),
                output: "one".into(),
            }
        );
        assert!(read(&run("Problem"), at(0, 100)).unwrap().finished);
        let mut queued = run("Starting");
        queued.results_path = None;
        let output = read(&queued, at(0, 100)).unwrap();
        assert_eq!((output.output.as_str(), output.next_offset), ("", 0));
    }
}
