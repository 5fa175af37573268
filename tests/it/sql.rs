//! The `sql` storage driver against a real PostgreSQL (the throwaway server
//! scripts/test starts; `WHEELHOUSE_TEST_POSTGRES` is its connection string)
//! and real Helm (helm-ref with `--driver sql`) on the same database. Each
//! test gets a database of its own, so each starts from an empty server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_postgres::{Client, NoTls};
use wheelhouse::release::{Release, Status};
use wheelhouse::storage::sql::{ConnectionSettings, SslMode};
use wheelhouse::storage::{Sql, Storage};

use crate::fixtures::{HelmRef, SharedSandbox, Wheelhouse, without_helm, write_chart};
use crate::lifecycle::{Story, story_release};

/// The server's connection string, or `None` when the run opted out with
/// `WHEELHOUSE_WITHOUT_POSTGRES=1`. Missing otherwise is a failure: these
/// tests are not optional.
fn server() -> Option<ConnectionSettings> {
    if std::env::var_os("WHEELHOUSE_WITHOUT_POSTGRES").is_some_and(|v| v == "1") {
        eprintln!("skipped: WHEELHOUSE_WITHOUT_POSTGRES=1");
        return None;
    }
    let url = std::env::var("WHEELHOUSE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "WHEELHOUSE_TEST_POSTGRES is not set. Run the tests with scripts/test (it starts a \
             throwaway PostgreSQL), or start one with `eval \"$(scripts/postgres start)\"`, or set \
             WHEELHOUSE_TEST_POSTGRES to a superuser connection string of a database the tests may \
             use, or WHEELHOUSE_WITHOUT_POSTGRES=1 to skip the SQL driver's tests"
        )
    });
    Some(ConnectionSettings::parse(&url, |_| None).unwrap())
}

/// An empty database named `name` on the test server, as the server's user.
async fn fresh_database(name: &str) -> Option<ConnectionSettings> {
    let admin = server()?;
    let client = connect_raw(&admin).await;
    // Two statements: neither may run inside the implicit transaction of a batch.
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        client.batch_execute(&statement).await.unwrap();
    }
    Some(ConnectionSettings {
        dbname: Some(name.to_owned()),
        ..admin
    })
}

/// A plain client for set-up and inspection behind the driver's back.
async fn connect_raw(settings: &ConnectionSettings) -> Client {
    let (client, connection) = settings.to_config().connect(NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The same settings in lib/pq's key=value form, for Helm.
fn lib_pq_string(s: &ConnectionSettings) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
    format!(
        "host={} port={} user={} password={} dbname={} sslmode=disable",
        quote(&s.host),
        s.port,
        quote(&s.user),
        quote(s.password.as_deref().unwrap_or("")),
        quote(s.dbname.as_deref().unwrap_or("")),
    )
}

#[tokio::test]
async fn lifecycle_on_postgresql() {
    let Some(db) = fresh_database("wh_lifecycle").await else {
        return;
    };
    for (story, a, b) in [
        (Story::Driver, "sql-a", "sql-b"),
        (Story::Storage, "sql-c", "sql-d"),
    ] {
        let sql = Sql::connect(&db).await.unwrap();
        story.run(Box::new(sql), a, b).await;
    }
    // Labels live in custom_labels_v1 and went with their (pruned) revision.
    let client = connect_raw(&db).await;
    let labels = client
        .query(
            "SELECT releasekey, key, value FROM custom_labels_v1 \
             WHERE releasenamespace = 'sql-c' ORDER BY releasekey",
            &[],
        )
        .await
        .unwrap();
    let labels: Vec<(String, String, String)> = labels
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(labels, vec![]);
}

/// What a database's Helm tables look like: columns, indexes, row-level
/// security, grants and the migration bookkeeping.
async fn schema_of(db: &ConnectionSettings) -> Vec<String> {
    let client = connect_raw(db).await;
    let mut facts = Vec::new();
    for row in client
        .query(
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
               FROM information_schema.columns
              WHERE table_name IN ('releases_v1', 'custom_labels_v1', 'gorp_migrations')
              ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .unwrap()
    {
        let length: Option<i32> = row.get(3);
        let default: Option<String> = row.get(5);
        facts.push(format!(
            "column {}.{} {} {length:?} nullable={} default={default:?}",
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, String>(4),
        ));
    }
    for row in client
        .query(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('releases_v1', 'custom_labels_v1', 'gorp_migrations') ORDER BY indexname",
            &[],
        )
        .await
        .unwrap()
    {
        facts.push(format!("index {}", row.get::<_, String>(0)));
    }
    for row in client
        .query(
            "SELECT relname, relrowsecurity, coalesce(relacl::text, '') FROM pg_class
              WHERE relname IN ('releases_v1', 'custom_labels_v1', 'gorp_migrations') ORDER BY relname",
            &[],
        )
        .await
        .unwrap()
    {
        facts.push(format!(
            "table {} rls={} acl={}",
            row.get::<_, String>(0),
            row.get::<_, bool>(1),
            row.get::<_, String>(2)
        ));
    }
    for row in client
        .query("SELECT id FROM gorp_migrations ORDER BY applied_at", &[])
        .await
        .unwrap()
    {
        facts.push(format!("migration {}", row.get::<_, String>(0)));
    }
    facts
}

static SANDBOX: SharedSandbox = SharedSandbox::new();

/// A sandbox cluster's kubeconfig: helm-ref wants one even for `sql`.
fn kubeconfig() -> Option<&'static Path> {
    if without_helm() {
        return None;
    }
    Some(SANDBOX.kubeconfig())
}

/// Runs helm-ref with the sql driver on `db`; its JSON answer, or its error text.
fn helm(
    db: &ConnectionSettings,
    kubeconfig: &Path,
    ns: &str,
    args: &[&str],
) -> Result<Value, String> {
    HelmRef::new(kubeconfig, "sql", ns)
        .envs([("HELM_DRIVER_SQL_CONNECTION_STRING", lib_pq_string(db))])
        .run(args)
}

const DEMO_CHART: [(&str, &str); 2] = [
    (
        "Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.0\"\n",
    ),
    (
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: {{ .Values.a | default \"x\" | quote }}\n",
    ),
];

/// (revision, status) pairs of a helm-ref history/list answer.
fn helm_revisions(answer: &Value) -> Vec<(i64, String)> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn our_revisions(releases: &[Release]) -> Vec<(i64, String)> {
    releases
        .iter()
        .map(|r| (r.version, r.status().to_string()))
        .collect()
}

#[tokio::test]
async fn wheelhouse_creates_the_schema_helm_creates() {
    let Some(ours) = fresh_database("wh_schema_ours").await else {
        return;
    };
    let Some(kubeconfig) = kubeconfig() else {
        return;
    };
    let helms = fresh_database("wh_schema_helm").await.unwrap();
    Sql::connect(&ours).await.unwrap();
    helm(&helms, kubeconfig, "default", &["list"]).unwrap();
    let (our_schema, helm_schema) = (schema_of(&ours).await, schema_of(&helms).await);
    for table in ["custom_labels_v1", "releases_v1"] {
        let facts = format!("{our_schema:#?}");
        assert!(
            facts.contains(&format!("table {table} rls=true")),
            "{facts}"
        );
        assert!(facts.contains(",=arwdDxt/"), "granted to PUBLIC: {facts}");
    }
    assert_eq!(our_schema, helm_schema);
    // Opening again applies nothing more.
    Sql::connect(&ours).await.unwrap();
    assert_eq!(schema_of(&ours).await, helm_schema);
}

#[tokio::test]
async fn helm_and_wheelhouse_share_one_database_in_either_order() {
    let Some(helm_first) = fresh_database("wh_compat_helm_first").await else {
        return;
    };
    let Some(kubeconfig) = kubeconfig() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);

    // Helm creates the tables and two revisions; wheelhouse reads them as Helm does.
    let ns = "sql-helm-first";
    let h = |args: &[&str]| helm(&helm_first, kubeconfig, ns, args).unwrap();
    h(&[
        "install",
        "r",
        &chart,
        "--create-namespace",
        "--label",
        "team=a",
    ]);
    h(&["upgrade", "r", &chart, "--set", "a=y"]);
    let storage = Storage::new(Box::new(Sql::connect(&helm_first).await.unwrap()));
    let (history, skipped) = storage.history(ns, "r").await.unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(
        our_revisions(&history),
        helm_revisions(&h(&["history", "r"]))
    );
    assert_eq!(history[1].labels["team"], "a");
    let helm_all = h(&["get-all", "r"]);
    assert_eq!(
        json!(history[1].manifest),
        helm_all["summary"]["manifest"],
        "{helm_all}"
    );
    assert_eq!(json!(history[1].config), helm_all["config"], "{helm_all}");
    assert_eq!(
        json!(history[1].info.as_ref().unwrap().description),
        helm_all["info"]["description"]
    );
    let (latest, _) = storage.latest(None).await.unwrap();
    assert_eq!(our_revisions(&latest), helm_revisions(&h(&["list"])));

    // wheelhouse writes revision 3; Helm lists it and rolls back past it.
    let mut previous = storage.get(ns, "r", Some(2)).await.unwrap();
    let mut next = previous.clone();
    previous.info.as_mut().unwrap().status = Status::Superseded;
    storage.update(&previous).await.unwrap();
    next.version = 3;
    next.config = serde_json::from_value(json!({"a": "z"})).unwrap();
    next.info.as_mut().unwrap().description = "Written by wheelhouse".into();
    next.stored_as = None;
    storage.create(&next, 0).await.unwrap();
    assert_eq!(
        helm_revisions(&h(&["history", "r"])),
        vec![
            (1, "superseded".into()),
            (2, "superseded".into()),
            (3, "deployed".into())
        ]
    );
    assert_eq!(h(&["get-values", "r"]), json!({"a": "z"}));
    let listed = h(&["list"]);
    assert_eq!(listed[0]["labels"]["team"], "a", "{listed}");
    h(&["rollback", "r", "1"]);
    let (history, _) = storage.history(ns, "r").await.unwrap();
    assert_eq!(
        our_revisions(&history),
        vec![
            (1, "superseded".into()),
            (2, "superseded".into()),
            (3, "superseded".into()),
            (4, "deployed".into())
        ]
    );
    h(&["uninstall", "r"]);
    assert!(storage.latest(Some(ns)).await.unwrap().0.is_empty());

    // wheelhouse first: Helm accepts the tables and bookkeeping it finds.
    let wheelhouse_first = fresh_database("wh_compat_wheelhouse_first").await.unwrap();
    let storage = Storage::new(Box::new(Sql::connect(&wheelhouse_first).await.unwrap()));
    let mut mine = story_release("sql-wheelhouse-first", "mine", 1, Status::Deployed);
    mine.labels = BTreeMap::from([("team".to_owned(), "b".to_owned())]);
    storage.create(&mine, 0).await.unwrap();
    let listed = helm(
        &wheelhouse_first,
        kubeconfig,
        "sql-wheelhouse-first",
        &["list"],
    )
    .unwrap();
    assert_eq!(helm_revisions(&listed), vec![(1, "deployed".into())]);
    assert_eq!(listed[0]["name"], "mine");
    assert_eq!(listed[0]["labels"]["team"], "b", "{listed}");
    helm(
        &wheelhouse_first,
        kubeconfig,
        "sql-wheelhouse-first",
        &["install", "theirs", &chart, "--create-namespace"],
    )
    .unwrap();
    let (latest, _) = storage.latest(Some("sql-wheelhouse-first")).await.unwrap();
    assert_eq!(
        latest.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        vec!["mine", "theirs"]
    );
}

#[tokio::test]
async fn row_level_security_limits_each_role_to_its_namespaces() {
    let Some(db) = fresh_database("wh_rls").await else {
        return;
    };
    let admin = Storage::new(Box::new(Sql::connect(&db).await.unwrap()));
    let raw = connect_raw(&db).await;
    // Roles are server-wide: a suffix keeps reruns on a long-lived server apart.
    let suffix = std::process::id();
    let mut roles = Vec::new();
    for (team, namespace) in [("a", "team-a"), ("b", "team-b")] {
        let role = format!("wh_rls_{team}_{suffix}");
        raw.batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'pw-{team}';
             CREATE POLICY {role} ON releases_v1 FOR ALL TO {role} USING (namespace = '{namespace}');
             CREATE POLICY {role} ON custom_labels_v1 FOR ALL TO {role} USING (releasenamespace = '{namespace}');"
        ))
        .await
        .unwrap();
        let settings = ConnectionSettings {
            user: role.clone(),
            password: Some(format!("pw-{team}")),
            ..db.clone()
        };
        roles.push(Storage::new(Box::new(
            Sql::connect(&settings).await.unwrap(),
        )));
    }
    let (team_a, team_b) = (&roles[0], &roles[1]);

    let mut a1 = story_release("team-a", "app", 1, Status::Deployed);
    a1.labels = BTreeMap::from([("owner-team".to_owned(), "a".to_owned())]);
    team_a.create(&a1, 0).await.unwrap();
    team_b
        .create(&story_release("team-b", "app", 1, Status::Deployed), 0)
        .await
        .unwrap();
    // A role cannot write into a namespace its policy does not allow.
    let err = team_a
        .create(&story_release("team-b", "intruder", 1, Status::Deployed), 0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");

    let names = |releases: Vec<Release>| -> Vec<String> {
        releases
            .iter()
            .map(|r| format!("{}/{}", r.namespace, r.name))
            .collect()
    };
    assert_eq!(
        names(team_a.latest(None).await.unwrap().0),
        vec!["team-a/app"]
    );
    assert_eq!(
        names(team_b.latest(None).await.unwrap().0),
        vec!["team-b/app"]
    );
    assert_eq!(
        names(admin.latest(None).await.unwrap().0),
        vec!["team-a/app", "team-b/app"]
    );
    assert_eq!(
        team_a.get("team-a", "app", Some(1)).await.unwrap().labels["owner-team"],
        "a"
    );

    // Team b can neither read, change nor delete team a's release.
    assert!(
        team_b
            .get("team-a", "app", Some(1))
            .await
            .unwrap_err()
            .is_not_found()
    );
    let mut changed = a1.clone();
    changed.info.as_mut().unwrap().status = Status::Failed;
    assert!(team_b.update(&changed).await.unwrap_err().is_not_found());
    assert!(
        team_b
            .delete("team-a", "app", 1)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(
        admin.get("team-a", "app", Some(1)).await.unwrap().status(),
        Status::Deployed
    );
    // Its own, it can.
    team_a.update(&changed).await.unwrap();
    team_a.delete("team-a", "app", 1).await.unwrap();
    assert_eq!(
        names(admin.latest(None).await.unwrap().0),
        vec!["team-b/app"]
    );
}

#[tokio::test]
async fn connection_errors_name_the_server_but_never_the_password() {
    let secret = "s3cret-Pa55word";
    // Nothing listens on port 1.
    let err = Sql::open(&format!(
        "postgresql://helm:{secret}@127.0.0.1:1/helm?sslmode=disable&connect_timeout=5"
    ))
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(err.contains("HELM_DRIVER_SQL_CONNECTION_STRING"), "{err}");
    assert!(!err.contains(secret), "{err}");
    let err = Sql::open(&format!(
        "host=127.0.0.1 port=1 user=helm password={secret} sslmode=disable"
    ))
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("127.0.0.1:1") && !err.contains(secret),
        "{err}"
    );

    let Some(db) = server() else {
        return;
    };
    // A wrong password: the server's refusal, without the password tried.
    let wrong = ConnectionSettings {
        password: Some(secret.to_owned()),
        ..db.clone()
    };
    let err = Sql::connect(&wrong).await.err().unwrap().to_string();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(err.contains("check the user and password"), "{err}");
    assert!(err.contains(&format!("{}:{}", db.host, db.port)), "{err}");
    assert!(!err.contains(secret), "{err}");
}

/// lib/pq's default sslmode is require; a server that declines TLS (here a
/// listener that answers PostgreSQL's TLS request with "N") gets a hint.
#[tokio::test]
async fn a_server_without_tls_is_named_with_the_way_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 8];
        socket.read_exact(&mut request).await.unwrap();
        socket.write_all(b"N").await.unwrap();
    });
    let err = Sql::open(&format!(
        "host=127.0.0.1 port={port} user=helm password=hidden-pw"
    ))
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.contains("add sslmode=disable"), "{err}");
    assert!(!err.contains("hidden-pw"), "{err}");
}

/// A listener that accepts and never answers: connect_timeout bounds the
/// whole connection, not only the TCP part.
#[tokio::test]
async fn a_silent_server_times_out_as_the_connection_string_says() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (_socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let started = Instant::now();
    let err = Sql::open(&format!(
        "host=127.0.0.1 port={port} user=helm sslmode=disable connect_timeout=1"
    ))
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.contains("no answer within 1 s") && err.contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_corrupt_row_is_skipped_and_reported_by_key() {
    let Some(db) = fresh_database("wh_corrupt").await else {
        return;
    };
    let storage = Storage::new(Box::new(Sql::connect(&db).await.unwrap()));
    storage
        .create(&story_release("apps", "good", 1, Status::Deployed), 0)
        .await
        .unwrap();
    let raw = connect_raw(&db).await;
    raw.batch_execute(
        "INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, createdat)
         VALUES ('sh.helm.release.v1.bad.v1', 'helm.sh/release.v1', 'not base64!', 'bad', 'apps', 1, 'deployed', 'helm', 0),
                ('sh.helm.release.v1.foreign.v1', 'helm.sh/release.v1', 'aGVsbG8=', 'foreign', 'apps', 1, 'deployed', 'helm', 0),
                ('sh.helm.release.v1.notours.v1', 'other', 'x', 'notours', 'apps', 1, 'deployed', 'someone', 0)",
    )
    .await
    .unwrap();
    let (latest, skipped) = storage.latest(Some("apps")).await.unwrap();
    assert_eq!(
        latest.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        vec!["good"]
    );
    let keys: Vec<&str> = skipped.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        vec!["sh.helm.release.v1.bad.v1", "sh.helm.release.v1.foreign.v1"]
    );
    let err = storage
        .get("apps", "bad", Some(1))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sh.helm.release.v1.bad.v1") && err.contains("base64"),
        "{err}"
    );
}

/// Timings of the two queries a person waits for, over 1,000 releases of 10
/// revisions each (`cargo test --test it sql::timings -- --ignored --nocapture`).
#[tokio::test]
#[ignore = "a measurement, not a check; run it on demand"]
async fn timings_over_ten_thousand_records() {
    let Some(db) = fresh_database("wh_timings").await else {
        return;
    };
    let sql = Sql::connect(&db).await.unwrap();
    let raw = connect_raw(&db).await;
    let manifest = "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"x\"\n".repeat(20);
    let started = Instant::now();
    for chunk in 0..10 {
        let (mut keys, mut bodies, mut names, mut namespaces, mut versions, mut statuses) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for n in chunk * 100..(chunk + 1) * 100 {
            for v in 1..=10_i32 {
                let status = if v == 10 {
                    Status::Deployed
                } else {
                    Status::Superseded
                };
                let name = format!("release-{n:04}");
                let namespace = format!("ns-{}", n % 10);
                let mut r = story_release(&namespace, &name, i64::from(v), status);
                r.manifest = manifest.clone();
                keys.push(format!("sh.helm.release.v1.{name}.v{v}"));
                bodies.push(wheelhouse::release::codec::encode(&r).unwrap());
                names.push(name);
                namespaces.push(namespace);
                versions.push(v);
                statuses.push(r.status().to_string());
            }
        }
        raw.execute(
            "INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, createdat)
             SELECT k, 'helm.sh/release.v1', b, n, ns, v, s, 'helm', 0
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS t(k, b, n, ns, v, s)",
            &[&keys, &bodies, &names, &namespaces, &versions, &statuses],
        )
        .await
        .unwrap();
    }
    raw.batch_execute("ANALYZE releases_v1").await.unwrap();
    eprintln!("loaded 10,000 records in {:?}", started.elapsed());
    let storage = Storage::new(Box::new(sql));
    let median = |mut samples: Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    let mut latest_times = Vec::new();
    let mut history_times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let (latest, skipped) = storage.latest(None).await.unwrap();
        latest_times.push(t.elapsed());
        assert_eq!((latest.len(), skipped.len()), (1000, 0));
        let t = Instant::now();
        let (history, _) = storage.history("ns-7", "release-0427").await.unwrap();
        history_times.push(t.elapsed());
        assert_eq!(history.len(), 10);
    }
    eprintln!(
        "latest (all namespaces, 1,000 releases decoded): median {:?}; history (10 revisions): median {:?}",
        median(latest_times),
        median(history_times)
    );
}

/// lib/pq's sslmode rules, against the test server's TLS (a throwaway CA
/// whose server certificate names `localhost` only).
#[tokio::test]
async fn tls_follows_helms_sslmode_rules() {
    let Some(db) = server() else {
        return;
    };
    let ca = PathBuf::from(
        std::env::var("WHEELHOUSE_TEST_POSTGRES_CA").unwrap_or_else(|_| {
            panic!(
                "WHEELHOUSE_TEST_POSTGRES_CA is not set: the test server's CA certificate \
             (scripts/postgres start exports it beside WHEELHOUSE_TEST_POSTGRES)"
            )
        }),
    );
    let admin = connect_raw(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("other-ca.crt");
    let other = rcgen::generate_simple_self_signed(vec!["elsewhere".to_owned()]).unwrap();
    std::fs::write(&stranger, other.cert.pem()).unwrap();

    let settings =
        |mode: SslMode, host: &str, root: Option<&Path>, name: &str| ConnectionSettings {
            ssl_mode: mode,
            host: host.to_owned(),
            ssl_root_cert: root.map(Path::to_path_buf),
            application_name: Some(name.to_owned()),
            ..db.clone()
        };
    // Whether the connection named `name` is encrypted, as the server sees it.
    let encrypted = async |name: &str| -> bool {
        admin
            .query_one(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
                &[&name],
            )
            .await
            .unwrap()
            .get(0)
    };

    // require and prefer encrypt without checking who answers (lib/pq's default).
    for (mode, name) in [
        (SslMode::Require, "wh-require"),
        (SslMode::Prefer, "wh-prefer"),
    ] {
        let sql = Sql::connect(&settings(mode, "127.0.0.1", None, name))
            .await
            .unwrap();
        assert!(encrypted(name).await, "{name}");
        drop(sql);
    }
    // verify-ca checks the chain, not the name (the certificate names localhost).
    let sql = Sql::connect(&settings(
        SslMode::VerifyCa,
        "127.0.0.1",
        Some(&ca),
        "wh-verify-ca",
    ))
    .await
    .unwrap();
    assert!(encrypted("wh-verify-ca").await);
    drop(sql);
    // verify-full checks both.
    let sql = Sql::connect(&settings(
        SslMode::VerifyFull,
        "localhost",
        Some(&ca),
        "wh-verify-full",
    ))
    .await
    .unwrap();
    assert!(encrypted("wh-verify-full").await);
    drop(sql);
    let refused = [
        settings(SslMode::VerifyFull, "127.0.0.1", Some(&ca), "wh-wrong-name"),
        settings(
            SslMode::VerifyCa,
            "127.0.0.1",
            Some(&stranger),
            "wh-wrong-ca",
        ),
        // With a root file, require checks the chain too, as lib/pq does.
        settings(
            SslMode::Require,
            "127.0.0.1",
            Some(&stranger),
            "wh-require-wrong-ca",
        ),
    ];
    for case in refused {
        let err = Sql::connect(&case).await.err().unwrap().to_string();
        assert!(
            err.contains("certificate"),
            "{}: {err}",
            case.application_name.unwrap()
        );
        assert!(
            !err.contains(db.password.as_deref().unwrap_or("-")),
            "{err}"
        );
    }
    let err = Sql::connect(&ConnectionSettings {
        ssl_root_cert: Some(dir.path().join("missing.crt")),
        ..settings(SslMode::VerifyCa, "127.0.0.1", None, "wh-missing-root")
    })
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("missing.crt") && err.contains("sslrootcert"),
        "{err}"
    );
}

/// `wheelhouse storage migrate` moves what Helm wrote in Secrets into
/// PostgreSQL, where Helm then finds it: a dry run writes nothing, the real
/// run copies, verifies and (asked to) deletes the Secrets.
#[tokio::test]
async fn storage_migrate_moves_helms_secrets_into_postgresql() {
    let Some(db) = fresh_database("wh_migrate").await else {
        return;
    };
    let Some(kubeconfig) = kubeconfig() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    let ns = "sql-migrate";
    let in_secrets = |args: &[&str]| HelmRef::new(kubeconfig, "secret", ns).ok(args);
    in_secrets(&["install", "m", &chart, "--create-namespace"]);
    in_secrets(&["upgrade", "m", &chart, "--set", "a=b"]);
    let migrate = |extra: &[&str]| {
        let args = [
            &[
                "storage", "migrate", "--from", "secret", "--to", "sql", "-n", ns,
            ],
            extra,
        ]
        .concat();
        Wheelhouse::new(kubeconfig)
            .envs([("HELM_DRIVER_SQL_CONNECTION_STRING", lib_pq_string(&db))])
            .ok(&args)
    };

    let dry = migrate(&["--dry-run"]);
    assert!(
        dry.ends_with("Would copy 2 of 2 records from Secret to SQL\n"),
        "{dry}"
    );
    let in_sql = |args: &[&str]| helm(&db, kubeconfig, ns, args);
    assert_eq!(
        in_sql(&["history", "m"]).unwrap_err().trim_end(),
        "Error: release: not found"
    );

    let done = migrate(&["--delete-source"]);
    assert!(
        done.ends_with("Copied 2 of 2 records from Secret to SQL; deleted 2 from Secret\n"),
        "{done}"
    );
    let history = in_sql(&["history", "m"]).unwrap();
    assert_eq!(
        helm_revisions(&history),
        vec![(1, "superseded".into()), (2, "deployed".into())]
    );
    assert_eq!(in_sql(&["get-values", "m"]).unwrap(), json!({"a": "b"}));
    assert_eq!(in_secrets(&["list"]), json!([]));
}
