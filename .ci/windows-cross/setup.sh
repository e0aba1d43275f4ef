#!/usr/bin/env bash
# Vendored from /work/shared/tools/windows-cross/setup.sh (2026-12-03) so CI runs from a fresh clone; keep in step with it.
# Prepare this Debian bookworm x86_64 machine to build Rust code for x86_64-pc-windows-gnu and
# run it (and its tests) under Wine, from Debian packages and crates.io only (no rustup target):
# std is rebuilt from Debian's rust-web-src with -Z build-std on Debian's rustc-web.
# Idempotent. Afterwards: `source env.sh` (beside this file) and use the cargo it names.
# Measured here: about 2-3 minutes the first time, ~3 GiB of disk (toolchain, mingw, wine prefix).
set -euo pipefail
W=${PW_WINCROSS_DIR:-/var/tmp/pw-wincross}
mkdir -p "$W"
export DEBIAN_FRONTEND=noninteractive
if ! { [ -x /usr/bin/cargo ] && command -v x86_64-w64-mingw32-gcc >/dev/null && [ -x /usr/lib/wine/wine64 ]; }; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine64 >/dev/null
fi
export RUSTC_BOOTSTRAP=1
SYSROOT=$(/usr/bin/rustc --print sysroot)
test -f "$SYSROOT/lib/rustlib/src/rust/library/Cargo.lock" || { echo "windows-cross: std source missing (rust-web-src)" >&2; exit 1; }
# rustc <= ~1.87 links rsbegin.o/rsend.o, shipped only with a prebuilt Windows sysroot: build them from source.
RT=$SYSROOT/lib/rustlib/src/rust/library/rtstartup
if [ -d "$RT" ]; then
  mkdir -p "$W/rt"
  for f in rsbegin rsend; do /usr/bin/rustc --target x86_64-pc-windows-gnu --emit=obj -o "$W/rt/$f.o" "$RT/$f.rs"; done
fi
# Wine 8.0 lacks bcryptprimitives.dll (ProcessPrng), which Rust's std imports: a one-function stand-in.
export WINEDEBUG=-all WINEPREFIX=$W/prefix
if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  mkdir -p "$W/shim"
  cat > "$W/shim/bcryptprimitives.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk; len -= chunk;
    }
    return TRUE;
}
C
  printf 'LIBRARY bcryptprimitives\nEXPORTS\n    ProcessPrng\n' > "$W/shim/bcryptprimitives.def"
  x86_64-w64-mingw32-gcc -O2 -shared -o "$W/shim/bcryptprimitives.dll" "$W/shim/bcryptprimitives.c" "$W/shim/bcryptprimitives.def" -ladvapi32
  /usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || true
  /usr/lib/wine/wineserver64 -w || true
  cp "$W/shim/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
fi
echo "windows-cross: ready ($(/usr/bin/rustc --version)); now: source $(cd "$(dirname "$0")" && pwd)/env.sh"
