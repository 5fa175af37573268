//! The `wheelhouse` binary: everything happens in the library's `cli` module.

fn main() -> std::process::ExitCode {
    wheelhouse::cli::main()
}
