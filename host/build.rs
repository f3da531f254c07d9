//! Embeds the git commit the binary was built from, for `GET /`'s `commit` field
//! (Kafka Connect reports its build commit there). Without git it stays "unknown".

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=FERRY_COMMIT");
    if std::env::var_os("FERRY_COMMIT").is_some() {
        return;
    }
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(commit) = head {
        println!("cargo:rustc-env=FERRY_COMMIT={commit}");
    }
    // Rebuild when HEAD moves (both a branch switch and a new commit).
    for path in ["../.git/HEAD", "../.git/refs/heads"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
