//! The deployment files (container, compose with nginx, Kubernetes, systemd) checked with
//! what runs offline here: `tests/clients/validate_deploy.py` (YAML, Kubernetes 1.37 schemas,
//! the compose and nginx wiring, `systemd-analyze verify`). No image is built: no container
//! registry is reachable from this machine.

use std::path::{Path, PathBuf};
use std::process::Command;

fn validate(root: &Path) -> std::process::Output {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new("python3")
        .arg(repo.join("tests/clients/validate_deploy.py"))
        .arg(root)
        .env("RUMMET_BIN", env!("CARGO_BIN_EXE_rummet"))
        .output()
        .expect("python3 runs (deploy/test.sh installs PyYAML and kubernetes-validate)")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read").flatten() {
        let target: PathBuf = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn the_deployment_files_parse_validate_and_wire_up_what_they_name() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = validate(&repo);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_probe_on_the_wrong_path_or_a_root_container_is_caught() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = tempfile::tempdir().expect("tmp");
    copy_dir(&repo.join("deploy"), &root.path().join("deploy"));
    let manifest = root.path().join("deploy/kubernetes/rummet.yaml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, text.replace("path: /ready", "path: /readyz")).expect("write");
    let dockerfile = root.path().join("deploy/container/Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).expect("read");
    std::fs::write(&dockerfile, text.replace("USER 10001:10001", "USER root")).expect("write");
    let out = validate(root.path());
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("readiness must ask /ready"), "{said}");
    assert!(said.contains("non-root"), "{said}");
}
