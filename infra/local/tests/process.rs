//! A child group is reaped whole: helpers a child forked die with it.

use std::process::Command;
use std::time::Duration;

use jetcrawl_local::ChildGroup;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// True while any process, zombies included, is in the group. Orphaned helpers are
/// reaped by init, not by us, so give it a moment.
fn group_exists(pgid: u32) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while killpg(Pid::from_raw(pgid as i32), None::<Signal>).is_ok() {
        if std::time::Instant::now() > deadline {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn drop_kills_the_whole_group_and_logs_are_captured() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "echo started; sleep 300 & sleep 300"]);
    let mut child = ChildGroup::spawn("sleeper", cmd, &dir.path().join("log")).unwrap();
    let pgid = child.pid();
    assert!(child.is_running());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(child.log().trim(), "started");
    drop(child);
    assert!(!group_exists(pgid), "the background sleep survived");
}

#[tokio::test]
async fn stop_sends_the_signal_then_reaps_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "trap 'echo bye; exit 3' TERM; sleep 300 & wait"]);
    let mut child = ChildGroup::spawn("trapper", cmd, &dir.path().join("log")).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = child
        .stop(Signal::SIGTERM, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(3));
    assert!(child.log().contains("bye"));
    assert!(!group_exists(child.pid()));
}

#[test]
fn chromium_is_found() {
    let path = jetcrawl_local::chromium_path().unwrap();
    assert!(path.exists());
}

#[test]
fn the_watchdog_kills_the_group_when_its_owner_is_sigkilled() {
    use std::io::BufRead as _;
    let mut owner = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "process::owner_that_never_cleans_up",
            "--nocapture",
        ])
        .args(["--include-ignored", "--test-threads=1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = owner.stdout.take().unwrap();
    let pgid: u32 = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("PGID=")
                .nth(1)
                .map(|p| p.trim().parse().unwrap())
        })
        .expect("the owner printed its child's group");
    assert!(group_exists(pgid));
    owner.kill().unwrap();
    owner.wait().unwrap();
    assert!(
        !group_exists(pgid),
        "the child outlived its SIGKILLed owner"
    );
}

#[test]
#[ignore = "run by the_watchdog_kills_the_group_when_its_owner_is_sigkilled"]
fn owner_that_never_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "sleep 300 & sleep 300"]);
    let child = ChildGroup::spawn("orphan", cmd, &dir.path().join("log")).unwrap();
    println!("PGID={}", child.pid());
    std::thread::sleep(Duration::from_secs(300));
}
