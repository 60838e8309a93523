//! The `rummet` binary: everything lives in the library.

// mimalloc, not the system allocator: under a flood of distinct tiles glibc's malloc let the
// buffers of each render (compressor state, query results) fragment the heap around the
// long-lived cache entries, and RSS grew by ~300 KB per tile past any cache bound (measured
// in benches/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rummet::cli::main()
}
