//! The container behind a process, as part of its owner's identity: the runtime and
//! container id from `/proc/PID/cgroup` (`docker-<id>.scope`, `libpod-<id>.scope`,
//! `cri-containerd-<id>.scope`, `crio-<id>.scope`, `kubepods…`, cgroup v1's
//! `/docker/<id>`), then, where the runtime's own files are readable, the image and the
//! container's name:
//!
//! * docker: `/var/lib/docker/containers/<id>/config.v2.json` (`Config.Image`, `Name`);
//! * podman: `/var/lib/containers/storage/overlay-containers/containers.json`
//!   (`names`, the `image-name` in `metadata`), else the container's
//!   `userdata/config.json` annotations;
//! * containerd and Kubernetes: the task's OCI spec
//!   `/run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/config.json`
//!   (the CRI's `image-name`, `sandbox-name`/`container-name` annotations);
//! * CRI-O: `/var/lib/containers/storage/overlay-containers/<id>/userdata/config.json`
//!   (`io.kubernetes.cri-o.ImageName`, `io.kubernetes.pod.name`).
//!
//! Files are read through [`Files`] (a root directory: `/`, or a fixture in tests), at
//! most [`MAX_FILE`] bytes each, once per container however many sockets it holds. All of
//! it is untrusted text (a container names its own image): renderers escape it.

use crate::types::Container;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

/// Largest runtime file read (docker's config.v2.json of a container with a large
/// environment is tens of KiB; podman's containers.json lists every container).
pub const MAX_FILE: u64 = 8 << 20;

/// Where the runtimes' files are read from.
pub trait Files {
    /// The text of `path` (absolute, as on the host), if readable.
    fn read(&self, path: &str) -> Option<String>;
}

/// Files under a root directory: `/` on this machine, a fixture directory in tests.
#[derive(Debug, Clone)]
pub struct Root(pub PathBuf);

/// The files of this machine.
pub fn native() -> Root {
    Root(PathBuf::from("/"))
}

impl Files for Root {
    fn read(&self, path: &str) -> Option<String> {
        let p = self.0.join(path.trim_start_matches('/'));
        let f = std::fs::File::open(&p).ok()?;
        if !f.metadata().ok()?.is_file() {
            return None;
        }
        let mut buf = Vec::new();
        f.take(MAX_FILE).read_to_end(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf).into_owned())
    }
}

fn hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The runtime and container id a `/proc/PID/cgroup` text names, if any.
pub fn from_cgroup(text: &str) -> Option<Container> {
    let mut found: Option<Container> = None;
    for line in text.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        let k8s = path.contains("kubepods");
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        for (i, comp) in comps.iter().enumerate() {
            let core = comp.strip_suffix(".scope").unwrap_or(comp);
            let (runtime, id) = if let Some(id) = core.strip_prefix("docker-") {
                ("docker", id)
            } else if let Some(id) = core.strip_prefix("libpod-") {
                // conmon, podman's monitor, sits in `libpod-conmon-<id>`: not the container.
                ("podman", id)
            } else if let Some(id) = core.strip_prefix("cri-containerd-") {
                ("containerd", id)
            } else if let Some(id) = core.strip_prefix("crio-") {
                ("cri-o", id)
            } else if hex64(core) {
                // cgroup v1 and cgroupfs drivers: /docker/<id>, /kubepods/…/<id>, /libpod_parent/libpod-<id>.
                let parent = i.checked_sub(1).and_then(|j| comps.get(j)).copied();
                match parent {
                    Some("docker") => ("docker", core),
                    _ if k8s => ("containerd", core),
                    _ => ("docker", core),
                }
            } else {
                continue;
            };
            if !hex64(id) {
                continue;
            }
            let pod = if k8s {
                comps.iter().find_map(|c| {
                    let c = c.strip_suffix(".slice").unwrap_or(c);
                    let uid = c
                        .rsplit_once("-pod")
                        .map(|(_, u)| u)
                        .or_else(|| c.strip_prefix("pod"))?;
                    (uid.len() >= 32).then(|| uid.replace('_', "-"))
                })
            } else {
                None
            };
            found = Some(Container {
                runtime: runtime.to_string(),
                id: id.to_ascii_lowercase(),
                kubernetes: k8s,
                pod_uid: pod,
                ..Container::default()
            });
        }
    }
    found
}

fn json(files: &dyn Files, path: &str) -> Option<serde_json::Value> {
    serde_json::from_str(&files.read(path)?).ok()
}

fn text(v: &serde_json::Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(256).collect())
}

/// Fills in the image and name of `c` from its runtime's files, where readable.
pub fn describe(files: &dyn Files, c: &mut Container) {
    let id = c.id.clone();
    match c.runtime.as_str() {
        "docker" => {
            if let Some(v) = json(
                files,
                &format!("/var/lib/docker/containers/{id}/config.v2.json"),
            ) {
                c.image = text(&v["Config"]["Image"]);
                c.name = text(&v["Name"]).map(|n| n.trim_start_matches('/').to_string());
            }
        }
        "podman" => {
            let base = "/var/lib/containers/storage/overlay-containers";
            if let Some(all) = json(files, &format!("{base}/containers.json")) {
                if let Some(me) = all
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["id"].as_str() == Some(id.as_str())))
                {
                    c.name = me["names"].get(0).and_then(text);
                    // `metadata` is JSON inside a string.
                    let meta: Option<serde_json::Value> = me["metadata"]
                        .as_str()
                        .and_then(|m| serde_json::from_str(m).ok());
                    c.image = meta.as_ref().and_then(|m| text(&m["image-name"]));
                }
            }
            if c.image.is_none() {
                oci_annotations(files, &format!("{base}/{id}/userdata/config.json"), c);
            }
        }
        "cri-o" => {
            oci_annotations(
                files,
                &format!(
                    "/var/lib/containers/storage/overlay-containers/{id}/userdata/config.json"
                ),
                c,
            );
        }
        _ => {
            for ns in ["k8s.io", "moby", "default"] {
                let p =
                    format!("/run/containerd/io.containerd.runtime.v2.task/{ns}/{id}/config.json");
                if oci_annotations(files, &p, c) {
                    break;
                }
            }
        }
    }
}

/// Image and names from an OCI runtime spec's annotations (containerd's CRI, CRI-O,
/// podman). Returns whether the file was there.
fn oci_annotations(files: &dyn Files, path: &str, c: &mut Container) -> bool {
    let Some(v) = json(files, path) else {
        return false;
    };
    let a = &v["annotations"];
    let first = |keys: &[&str]| keys.iter().find_map(|k| text(&a[*k]));
    c.image = c.image.take().or_else(|| {
        first(&[
            "io.kubernetes.cri.image-name",
            "io.kubernetes.cri-o.ImageName",
            "org.opencontainers.image.ref.name",
        ])
    });
    let pod = first(&["io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"]);
    let ctr = first(&[
        "io.kubernetes.cri.container-name",
        "io.kubernetes.container.name",
    ]);
    let ns = first(&[
        "io.kubernetes.cri.sandbox-namespace",
        "io.kubernetes.pod.namespace",
    ]);
    if c.name.is_none() {
        c.name = match (ns, pod, ctr) {
            (Some(ns), Some(pod), Some(ctr)) => Some(format!("{ns}/{pod}/{ctr}")),
            (None, Some(pod), Some(ctr)) => Some(format!("{pod}/{ctr}")),
            (_, Some(pod), None) => Some(pod),
            (_, None, Some(ctr)) => Some(ctr),
            _ => None,
        };
    }
    true
}

/// Describes every container of `processes` (each container's files read once).
pub fn describe_all<'a>(
    files: &dyn Files,
    processes: impl Iterator<Item = &'a mut crate::types::ProcessInfo>,
) {
    let mut seen: HashMap<String, Container> = HashMap::new();
    for p in processes {
        if let Some(c) = p.container.as_mut() {
            let done = seen.entry(c.id.clone()).or_insert_with(|| {
                let mut d = c.clone();
                describe(files, &mut d);
                d
            });
            *c = done.clone();
        }
    }
}

/// The image's bare name, as the product table knows programs: `docker.io/library/redis:7`
/// → `redis`, `ghcr.io/x/memcached@sha256:…` → `memcached`.
pub fn image_name(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    let last = last.split('@').next().unwrap_or(last);
    last.split(':').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";

    /// A fixture root with `files` (path, contents), removed on drop.
    struct Fixture(PathBuf);

    impl Fixture {
        fn new(name: &str, files: &[(&str, &str)]) -> Fixture {
            let root =
                std::env::temp_dir().join(format!("pw-containers-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            for (p, text) in files {
                let full = root.join(p.trim_start_matches('/'));
                if let Some(dir) = full.parent() {
                    std::fs::create_dir_all(dir).expect("mkdir");
                }
                std::fs::write(full, text).expect("write");
            }
            Fixture(root)
        }

        fn files(&self) -> Root {
            Root(self.0.clone())
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn full(cgroup: &str, fx: &Fixture) -> Container {
        let mut c = from_cgroup(cgroup).expect("container");
        describe(&fx.files(), &mut c);
        c
    }

    #[test]
    fn docker() {
        let fx = Fixture::new(
            "docker",
            &[(
                &format!("/var/lib/docker/containers/{ID}/config.v2.json"),
                r#"{"ID":"x","Name":"/cache","Config":{"Image":"redis:7","Env":["A=1"]}}"#,
            )],
        );
        let c = full(&format!("0::/system.slice/docker-{ID}.scope\n"), &fx);
        assert_eq!(c.runtime, "docker");
        assert_eq!(c.short_id(), &ID[..12]);
        assert_eq!(c.image.as_deref(), Some("redis:7"));
        assert_eq!(c.name.as_deref(), Some("cache"));
        assert!(!c.kubernetes);
        // cgroup v1.
        let v1 = from_cgroup(&format!(
            "12:memory:/docker/{ID}\n1:name=systemd:/docker/{ID}\n"
        ))
        .expect("v1");
        assert_eq!((v1.runtime.as_str(), v1.id.as_str()), ("docker", ID));
    }

    #[test]
    fn podman() {
        let list = format!(
            r#"[{{"id":"{other}","names":["other"]}},{{"id":"{ID}","names":["web"],"image":"abc","metadata":"{{\"image-name\":\"docker.io/library/nginx:1.25\",\"name\":\"web\"}}"}}]"#,
            other = "0".repeat(64)
        );
        let fx = Fixture::new(
            "podman",
            &[(
                "/var/lib/containers/storage/overlay-containers/containers.json",
                &list,
            )],
        );
        let c = full(
            &format!("0::/machine.slice/libpod-{ID}.scope/container\n"),
            &fx,
        );
        assert_eq!(c.runtime, "podman");
        assert_eq!(c.image.as_deref(), Some("docker.io/library/nginx:1.25"));
        assert_eq!(c.name.as_deref(), Some("web"));
        // Without the list: the container's own OCI spec.
        let fx = Fixture::new(
            "podman-oci",
            &[(
                &format!(
                    "/var/lib/containers/storage/overlay-containers/{ID}/userdata/config.json"
                ),
                r#"{"annotations":{"org.opencontainers.image.ref.name":"quay.io/x/memcached:1.6"}}"#,
            )],
        );
        let c = full(&format!("0::/machine.slice/libpod-{ID}.scope\n"), &fx);
        assert_eq!(c.image.as_deref(), Some("quay.io/x/memcached:1.6"));
    }

    #[test]
    fn containerd_and_kubernetes() {
        let spec = r#"{"annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.image-name":"registry.k8s.io/coredns/coredns:v1.11.1","io.kubernetes.cri.sandbox-name":"coredns-5d78c9869d-abcde","io.kubernetes.cri.sandbox-namespace":"kube-system","io.kubernetes.cri.container-name":"coredns"}}"#;
        let fx = Fixture::new(
            "containerd",
            &[(
                &format!("/run/containerd/io.containerd.runtime.v2.task/k8s.io/{ID}/config.json"),
                spec,
            )],
        );
        let cg = format!(
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-{ID}.scope\n"
        );
        let c = full(&cg, &fx);
        assert_eq!(c.runtime, "containerd");
        assert!(c.kubernetes);
        assert_eq!(
            c.pod_uid.as_deref(),
            Some("1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d")
        );
        assert_eq!(
            c.image.as_deref(),
            Some("registry.k8s.io/coredns/coredns:v1.11.1")
        );
        assert_eq!(
            c.name.as_deref(),
            Some("kube-system/coredns-5d78c9869d-abcde/coredns")
        );
        // cgroupfs driver: /kubepods/burstable/pod<uid>/<id>.
        let c = from_cgroup(&format!(
            "0::/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/{ID}\n"
        ))
        .expect("k8s");
        assert_eq!((c.runtime.as_str(), c.kubernetes), ("containerd", true));
    }

    #[test]
    fn cri_o() {
        let fx = Fixture::new(
            "crio",
            &[(
                &format!(
                    "/var/lib/containers/storage/overlay-containers/{ID}/userdata/config.json"
                ),
                r#"{"annotations":{"io.kubernetes.cri-o.ImageName":"quay.io/prometheus/node-exporter:v1.7.0","io.kubernetes.pod.name":"node-exporter-x","io.kubernetes.container.name":"node-exporter"}}"#,
            )],
        );
        let c = full(
            &format!("0::/kubepods.slice/kubepods-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/crio-{ID}.scope\n"),
            &fx,
        );
        assert_eq!(c.runtime, "cri-o");
        assert_eq!(
            c.image.as_deref(),
            Some("quay.io/prometheus/node-exporter:v1.7.0")
        );
        assert_eq!(c.name.as_deref(), Some("node-exporter-x/node-exporter"));
    }

    #[test]
    fn unreadable_corrupt_or_absent_files_leave_the_id() {
        let fx = Fixture::new(
            "corrupt",
            &[(
                &format!("/var/lib/docker/containers/{ID}/config.v2.json"),
                "{\"Config\": {\"Image\": ",
            )],
        );
        let c = full(&format!("0::/system.slice/docker-{ID}.scope\n"), &fx);
        assert_eq!((c.image, c.name), (None, None));
        assert_eq!(c.id, ID);
        // Not containers: a unit, conmon, a short id, garbage.
        assert!(from_cgroup("0::/system.slice/ssh.service\n").is_none());
        assert!(from_cgroup(&format!("0::/machine.slice/libpod-conmon-{ID}.scope\n")).is_none());
        assert!(from_cgroup("0::/system.slice/docker-abc.scope\n").is_none());
        assert!(from_cgroup("\u{1b}[31m:::::").is_none());
    }

    #[test]
    fn each_container_is_read_once() {
        use std::cell::Cell;
        struct Counting(Cell<usize>);
        impl Files for Counting {
            fn read(&self, _: &str) -> Option<String> {
                self.0.set(self.0.get() + 1);
                Some(r#"{"Config":{"Image":"redis:7"}}"#.into())
            }
        }
        let files = Counting(Cell::new(0));
        let mut procs: Vec<crate::types::ProcessInfo> = (0..50)
            .map(|pid| crate::types::ProcessInfo {
                pid,
                container: from_cgroup(&format!("0::/docker/{ID}\n")),
                ..Default::default()
            })
            .collect();
        describe_all(&files, procs.iter_mut());
        assert_eq!(files.0.get(), 1);
        assert!(procs
            .iter()
            .all(|p| p.container.as_ref().and_then(|c| c.image.as_deref()) == Some("redis:7")));
    }

    #[test]
    fn image_names() {
        assert_eq!(image_name("redis:7"), "redis");
        assert_eq!(image_name("docker.io/library/redis:7.2-alpine"), "redis");
        assert_eq!(image_name("ghcr.io/x/memcached@sha256:00"), "memcached");
        assert_eq!(image_name("localhost:5000/mosquitto"), "mosquitto");
        assert_eq!(image_name(""), "");
    }
}
