//! The deployment files of `deploy/` (SPEC §11), checked by the tools that read them:
//! `systemd-analyze verify` for the unit and `docker-compose config` for the compose
//! file (neither systemd nor a container runtime runs here, so nothing is started).
//! Both tools come from the distribution's packages (`apt-get install systemd
//! docker-compose`).

use std::process::Command;

use crate::support::repo_path;

/// Runs `program args…`, naming the package to install when it is missing.
fn run(program: &str, package: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo_path(""))
        .output()
        .unwrap_or_else(|error| {
            panic!("{program} is needed to check deploy/ ({error}): apt-get install {package}")
        });
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    (output.status.success(), text)
}

/// `systemd-analyze verify` on the unit, its `ExecStart` pointed at the built binary
/// (verify checks that the program exists); it must say nothing at all, since an
/// unknown key is only a warning.
fn verify_unit(unit: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qotd.service");
    let unit = unit.replace("/usr/local/bin/qotd", env!("CARGO_BIN_EXE_qotd"));
    std::fs::write(&path, unit).unwrap();
    let path = path.display().to_string();
    run("systemd-analyze", "systemd", &["verify", &path], &[])
}

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    let unit = std::fs::read_to_string(repo_path("deploy/qotd.service")).unwrap();
    let (ok, said) = verify_unit(&unit);
    assert!(
        ok && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
    for setting in [
        "DynamicUser=yes",
        "User=qotd",
        "-p User=qotd -p StateDirectory=qotd",
        "MemoryMax=",
        "TasksMax=",
        "Documentation=file:/usr/local/share/doc/qotd/operating.md",
        "StateDirectory=qotd",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "RestartPreventExitStatus=2",
    ] {
        assert!(unit.contains(setting), "the unit lacks {setting:?}");
    }
    // The check is real: a misspelt key is reported.
    let (_, said) = verify_unit(&unit.replace("ProtectSystem=", "ProtectSystm="));
    assert!(said.contains("Unknown key 'ProtectSystm'"), "{said}");
}

#[test]
fn the_compose_file_validates_and_wires_the_bot_to_postgres_and_the_proxy() {
    // A password with every character a URL would need encoded.
    let password = "p@ss/w:rd#?%1";
    let env = [("DISCORD_TOKEN", "token"), ("POSTGRES_PASSWORD", password)];
    let compose = ["-f", "deploy/compose.yaml", "config"];
    let (ok, config) = run("docker-compose", "docker-compose", &compose, &env);
    assert!(ok, "docker-compose config: {config}");
    let config: serde_yaml::Value = serde_yaml::from_str(
        config
            .split_once("services:")
            .map(|(_, rest)| format!("services:{rest}"))
            .as_deref()
            .unwrap_or(&config),
    )
    .unwrap();
    let service = &config["services"]["qotd"];
    let bot = &service["environment"];
    // The password is not in the URL (where `@ / : #` break it) but in PGPASSWORD,
    // which the PostgreSQL driver reads as it is.
    assert_eq!(
        bot["DATABASE_URL"].as_str(),
        Some("postgres://qotd@postgres:5432/qotd")
    );
    assert_eq!(bot["PGPASSWORD"].as_str(), Some(password));
    assert_eq!(
        config["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].as_str(),
        Some(password)
    );
    assert_eq!(bot["METRICS_ADDR"].as_str(), Some("0.0.0.0:9100"));
    let health: Vec<&str> = service["healthcheck"]["test"]
        .as_sequence()
        .expect("the bot has a health check")
        .iter()
        .filter_map(|part| part.as_str())
        .collect();
    assert_eq!(health, ["CMD", "/usr/local/bin/qotd", "healthcheck"]);
    for name in ["qotd", "postgres", "discord-proxy"] {
        let limited = &config["services"][name];
        assert!(
            !limited["mem_limit"].is_null() || !limited["deploy"]["resources"].is_null(),
            "{name} has no memory limit"
        );
    }
    assert_eq!(
        bot["DISCORD_API_PROXY"].as_str(),
        Some("http://discord-proxy:8080")
    );
    assert!(config["services"]["postgres"].is_mapping());
    let proxy = config["services"]["discord-proxy"]["image"]
        .as_str()
        .unwrap_or("");
    assert!(
        proxy.starts_with("ghcr.io/germanoeich/nirn-proxy:v"),
        "a proxy that paces the global limit ahead of time, at a fixed version: {proxy}"
    );
    // Without the secrets it refuses to start, naming what to set.
    let (ok, said) = run("docker-compose", "docker-compose", &compose, &[]);
    assert!(
        !ok && said.contains("set DISCORD_TOKEN in deploy/qotd.env"),
        "{said}"
    );
}

#[test]
fn the_image_is_multi_stage_runs_as_non_root_and_keeps_the_database_on_a_volume() {
    let dockerfile = std::fs::read_to_string(repo_path("deploy/Dockerfile")).unwrap();
    let stages: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(
        stages.len(),
        2,
        "a build stage and a runtime stage: {stages:?}"
    );
    assert!(stages[1].contains(":nonroot"), "{stages:?}");
    for line in [
        "METRICS_ADDR=127.0.0.1:9100",
        "CMD [\"/usr/local/bin/qotd\", \"healthcheck\"]",
        "USER 65532:65532",
        "VOLUME [\"/data\"]",
        "COPY --from=build /out/qotd /usr/local/bin/qotd",
        "COPY --from=build /out/questions.yaml /etc/qotd/questions.yaml",
        "DATABASE_URL=sqlite:///data/qotd.db",
        "cargo build --release --locked --bin qotd",
    ] {
        assert!(dockerfile.contains(line), "the Dockerfile lacks {line:?}");
    }
    let rust = stages[0].split([':', '-']).nth(1).unwrap();
    let manifest = std::fs::read_to_string(repo_path("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!("rust-version = \"{rust}\"")),
        "the build image's Rust ({rust}) is the crate's rust-version"
    );
}

/// The manifest says MIT: the repository carries the licence text.
#[test]
fn the_licence_the_manifest_names_is_in_the_repository() {
    let manifest = std::fs::read_to_string(repo_path("Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT\""));
    let licence = std::fs::read_to_string(repo_path("LICENSE")).expect("a root LICENSE");
    assert!(licence.starts_with("MIT License"));
}
