//! Passes the Kubernetes version k8s-openapi was built for (its `version` build metadata,
//! 0x00_MM_NN_00) to the generator as `K8S_VERSION`.
fn main() {
    let v = std::env::vars()
        .find(|(k, _)| k.starts_with("DEP_K8S_OPENAPI_") && k.ends_with("_VERSION"))
        .and_then(|(_, v)| v.parse::<u32>().ok())
        .unwrap_or(0);
    println!("cargo::rustc-env=K8S_VERSION={}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff);
}
