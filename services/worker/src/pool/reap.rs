//! Killing a Chromium process tree. Chromium forks zygotes, renderers and utility
//! processes; killing only the main process leaves them orphaned. Every process of one
//! browser is found two ways: as a descendant of the main process, and by its command
//! line naming the browser's private `--user-data-dir`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// How long to wait for killed processes to disappear.
const REAP_WAIT: Duration = Duration::from_secs(2);

/// SIGKILLs `main_pid`, its descendants, and every process whose command line contains
/// `marker`, then waits briefly until none of them runs.
pub fn kill_tree(main_pid: Option<u32>, marker: &Path) {
    let targets = find_tree(main_pid, marker);
    for pid in &targets {
        // The process may already be gone; that is the goal anyway.
        let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
    }
    let started = Instant::now();
    while started.elapsed() < REAP_WAIT && !processes_matching(marker).is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Live processes (not zombies) whose command line contains `marker`.
pub fn processes_matching(marker: &Path) -> Vec<i32> {
    let marker = marker.to_string_lossy();
    scan()
        .into_iter()
        .filter(|p| p.cmdline.contains(marker.as_ref()))
        .map(|p| p.pid)
        .collect()
}

/// The command lines of every live process.
pub fn command_lines() -> Vec<String> {
    scan().into_iter().map(|p| p.cmdline).collect()
}

struct ProcInfo {
    pid: i32,
    ppid: i32,
    cmdline: String,
}

fn find_tree(main_pid: Option<u32>, marker: &Path) -> HashSet<i32> {
    let processes = scan();
    let marker = marker.to_string_lossy();
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in &processes {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut targets: HashSet<i32> = processes
        .iter()
        .filter(|p| p.cmdline.contains(marker.as_ref()))
        .map(|p| p.pid)
        .collect();
    let mut queue: Vec<i32> = main_pid
        .and_then(|p| i32::try_from(p).ok())
        .into_iter()
        .collect();
    let mut visited = HashSet::new();
    while let Some(pid) = queue.pop() {
        if visited.insert(pid) {
            targets.insert(pid);
            queue.extend(children.get(&pid).into_iter().flatten().copied());
        }
    }
    // Never signal ourselves, whatever the scan found.
    targets.remove(&(std::process::id() as i32));
    targets
}

fn scan() -> Vec<ProcInfo> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_proc)
        .collect()
}

fn read_proc(pid: i32) -> Option<ProcInfo> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name: state, ppid, ...
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    let ppid = fields.next()?.parse().ok()?;
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
    Some(ProcInfo { pid, ppid, cmdline })
}
