//! The `wheelhouse` binary: everything happens in the library's `cli` module.

/// Rendering builds and drops many small maps, lists and strings; mimalloc's
/// size-class pages make that markedly cheaper than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wheelhouse::cli::main()
}
