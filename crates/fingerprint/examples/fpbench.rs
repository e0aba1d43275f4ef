//! Times compiling every fingerprint and a few look-ups: `cargo run --release --example fpbench`.

fn main() {
    let t = std::time::Instant::now();
    portwarden_fingerprint::compile_all();
    println!("compile_all: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for _ in 0..100 {
        let _ = portwarden_fingerprint::lookup("http_header.server", "nginx/1.22.1");
        let _ =
            portwarden_fingerprint::lookup("snmp.sys_description", "Linux h 6.1.0 #1 SMP x86_64");
    }
    println!("200 look-ups: {:?}", t.elapsed());
}
