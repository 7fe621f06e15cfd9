// mimalloc: the engine allocates many small short-lived values on several
// threads; glibc's allocator spent a third of the run there (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(o11ylint::cli::main());
}
