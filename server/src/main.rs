//! The `rummet` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    rummet::cli::main()
}
