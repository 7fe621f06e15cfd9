fn main() {
    std::process::exit(o11ylint::cli::main());
}
