# Vendored from /work/shared/tools/windows-cross/env.sh (2026-12-03) so CI runs from a fresh clone; keep in step with it.
# Source after setup.sh. Then build/test for Windows with:
#   "$WIN_CARGO" check  "${WIN_BUILD_STD[@]}" -p CRATE
#   "$WIN_CARGO" test   "${WIN_BUILD_STD[@]}" -p CRATE     (test binaries run under Wine)
# Use a separate CARGO_TARGET_DIR (std is rebuilt once per target dir, ~1-1.5 min).
W=${PW_WINCROSS_DIR:-/var/tmp/pw-wincross}
export WIN_CARGO=/usr/bin/cargo
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=/usr/lib/wine/wine64
export WINEDEBUG=-all WINEPREFIX=$W/prefix
[ -d "$W/rt" ] && export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-L native=$W/rt"
WIN_BUILD_STD=(-Z build-std=std,panic_abort --target x86_64-pc-windows-gnu)
