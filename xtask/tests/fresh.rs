//! The checked-in generated crates are what the spec gives, under `cargo test` too: this runs the
//! same in-memory regeneration and comparison as `cargo xtask check` ([`xtask::check::verify`]),
//! so a stale crate fails `cargo test --workspace` with the diff, not only CI's check step.

#[test]
fn generated_crates_are_up_to_date_with_the_spec() {
    let root = xtask::workspace::root().expect("the tests run inside the workspace");
    if let Err(differences) = xtask::check::verify(&root) {
        panic!("{differences}");
    }
}
