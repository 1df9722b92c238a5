//! `embed_migrations!` reads the migration folders at compile time; without this, a new
//! migration folder would not be noticed until something else rebuilt the crate.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
